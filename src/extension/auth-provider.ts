import * as vscode from 'vscode';
import { SignInRequiredError } from '../core/errors';
import type { Session } from '../core/session';
import type { CredentialBackend } from './backend';
import type { SessionTransition } from './session-watcher';

export const PROVIDER_ID = 'credshare';

/** Signs in (interactively) and resolves to the stored session; see sign-in.ts. */
export type SignIn = (scopes: readonly string[]) => Promise<Session>;

/**
 * The `credshare` authentication provider. Sessions come from the core coordinator, so a
 * token handed out is valid for at least the tolerance, and ten windows asking at once
 * cause one refresh request. `onDidChangeSessions` follows the store, whoever wrote it:
 * this window, another window, or a CLI process.
 */
export class CredshareAuthenticationProvider implements vscode.AuthenticationProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.AuthenticationProviderAuthenticationSessionsChangeEvent>();
  readonly onDidChangeSessions = this.emitter.event;
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly backend: CredentialBackend,
    private readonly signIn: SignIn,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables = [
      this.emitter,
      vscode.authentication.registerAuthenticationProvider(PROVIDER_ID, 'credshare', this, { supportsMultipleAccounts: false }),
      backend.watcher.onDidTransition((t) => this.fire(t)),
    ];
  }

  async getSessions(scopes: readonly string[] | undefined): Promise<vscode.AuthenticationSession[]> {
    let session: Session;
    try {
      session = await this.backend.getSession();
    } catch (error) {
      if (error instanceof SignInRequiredError) return [];
      this.log.error(`getSessions: ${(error as Error).message}`);
      throw error;
    }
    const auth = this.toAuthSession(session);
    if (scopes && !scopes.every((s) => auth.scopes.includes(s))) return [];
    return [auth];
  }

  async createSession(scopes: readonly string[]): Promise<vscode.AuthenticationSession> {
    const session = await this.signIn(scopes);
    return this.toAuthSession(session);
  }

  async removeSession(id: string): Promise<void> {
    const current = await this.backend.peek();
    if (current && sessionId(this.backend.profileName(), current) !== id) {
      this.log.info('removeSession: the session asked for was already replaced; nothing removed');
      return;
    }
    await this.backend.signOut();
  }

  /** Maps a transition onto added/removed/changed, by session id (profile and account). */
  private fire({ previous, current, initial }: SessionTransition): void {
    if (initial) return;
    const before = previous?.session && this.toAuthSession(previous.session, previous.profile);
    const after = current.session && this.toAuthSession(current.session, current.profile);
    const event = {
      added: [] as vscode.AuthenticationSession[],
      removed: [] as vscode.AuthenticationSession[],
      changed: [] as vscode.AuthenticationSession[],
    };
    if (before && after && before.id === after.id) event.changed.push(after);
    else {
      if (before) event.removed.push(before);
      if (after) event.added.push(after);
    }
    if (event.added.length + event.removed.length + event.changed.length > 0) this.emitter.fire(event);
  }

  /** The session as VS Code sees it, under `profileName` (default: the active profile), with the active profile's scopes. */
  private toAuthSession(session: Session, profileName?: string): vscode.AuthenticationSession {
    const active = this.backend.profile(); // one read of config.json for both
    return {
      id: sessionId(profileName ?? active?.name ?? this.backend.profileName(), session),
      accessToken: session.accessToken,
      account: { id: session.account.id, label: session.account.label || session.account.id },
      scopes: [...new Set([...session.scope.split(' ').filter(Boolean), ...(active?.scopes ?? [])])],
    };
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function sessionId(profile: string, session: Session): string {
  return `${profile}/${session.account.id}`;
}
