import * as vscode from 'vscode';
import { SignInRequiredError } from '../core/errors';
import { scopeKey, scopeWords } from '../core/scope-sets';
import type { Session } from '../core/session';
import { authSessionId, parseAuthSessionId, profilesFor } from './accounts';
import type { CredentialBackend } from './backend';
import type { SessionTransition } from './session-watcher';

export const PROVIDER_ID = 'credshare';

/** Where and as whom to sign in: a profile (default: the active one) and an OpenID Connect login hint. */
export interface SignInOptions {
  profile?: string;
  loginHint?: string;
}

/** Signs in (interactively) for the union of the profile's scopes and `scopes`; resolves to the stored session; see sign-in.ts. */
export type SignIn = (scopes: readonly string[], options: SignInOptions) => Promise<Session>;

/**
 * The `credshare` authentication provider. Each signed-in profile is an account; each
 * scope set an extension asks for gets an access token carrying exactly those scopes (the
 * core refreshes the profile's one grant with a narrower `scope`, once for every window
 * and process), under a session id stable per (profile, account, scope set). A scope the
 * grant lacks makes `getSessions` answer nothing, so VS Code calls `createSession`, which
 * signs in the extensions' own grant for it (core/extension-grant.ts: build tools keep the
 * profile's grant and never get such scopes). `onDidChangeSessions` follows the store.
 */
export class CredshareAuthenticationProvider implements vscode.AuthenticationProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.AuthenticationProviderAuthenticationSessionsChangeEvent>();
  readonly onDidChangeSessions = this.emitter.event;
  private readonly disposables: vscode.Disposable[];
  /** The sessions handed out per profile, by id: what a change or sign-out is announced for. */
  private readonly handedOut = new Map<string, Map<string, vscode.AuthenticationSession>>();

  constructor(
    private readonly backend: CredentialBackend,
    private readonly signIn: SignIn,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables = [
      this.emitter,
      vscode.authentication.registerAuthenticationProvider(PROVIDER_ID, 'credshare', this, { supportsMultipleAccounts: true }),
      backend.watcher.onDidTransition((t) => this.fire(t)),
    ];
  }

  async getSessions(scopes: readonly string[] | undefined, options: vscode.AuthenticationProviderSessionOptions = {}): Promise<vscode.AuthenticationSession[]> {
    const candidates = profilesFor(await this.backend.signedInProfiles(), this.backend.profileName(), options.account);
    const sessions: vscode.AuthenticationSession[] = [];
    for (const { profile } of candidates) {
      try {
        const session = await this.backend.getSession({ profile, scopes, extensionGrant: true });
        sessions.push(this.remember(profile, this.toAuthSession(profile, scopeKey(scopes), session)));
      } catch (error) {
        // Signed out meanwhile, or a scope this grant lacks: no session (VS Code then offers a sign-in).
        if (error instanceof SignInRequiredError) continue;
        this.log.error(`getSessions (profile "${profile}"): ${(error as Error).message}`);
        if (candidates.length === 1) throw error;
      }
    }
    return sessions;
  }

  /**
   * Signs in for `scopes`: the profile's own grant where its scopes hold them, else the
   * extensions' own grant (sign-in.ts). With `options.account`
   * (forceNewSession, or an extension naming an account) that account's profile, with its
   * label as the issuer's login hint; else the active profile.
   */
  async createSession(scopes: readonly string[], options: vscode.AuthenticationProviderSessionOptions = {}): Promise<vscode.AuthenticationSession> {
    const [target] = options.account ? profilesFor(await this.backend.signedInProfiles(), this.backend.profileName(), options.account) : [];
    const profile = target?.profile ?? this.backend.profileName();
    const key = scopeKey(scopes);
    // The grant serving these scopes: the profile's, or the extensions' own (core/extension-grant.ts).
    const stored = await this.backend.storedForExtension(profile, scopes);
    const previous = stored?.view;
    await this.signIn(scopes, { profile, loginHint: options.account?.label });
    // The scope set's own token from the new grant (the sign-in's token where it is that set);
    // never the one cached before (forceNewSession asks for a new one). Other sets keep theirs.
    // A call that joined a sign-in another extension made moments ago (sign-in.ts) finds the
    // same grant: its token is that sign-in's, and rejecting it would refresh for nothing.
    const after = await this.backend.storedForExtension(profile, scopes);
    const newGrant = after?.grant.refreshToken !== stored?.grant.refreshToken;
    const session = await this.backend.getSession({ profile, scopes, extensionGrant: true, ...(newGrant && previous ? { rejectedAccessToken: previous.accessToken } : {}) });
    return this.remember(profile, this.toAuthSession(profile, key, session));
  }

  async removeSession(id: string): Promise<void> {
    const named = parseAuthSessionId(id);
    const profile = named?.profile ?? this.backend.profileName();
    const current = (await this.backend.signedInProfiles()).find((p) => p.profile === profile)?.session;
    if (!current || (named && current.account.id !== named.accountId)) {
      this.log.info('removeSession: the session asked for was already replaced; nothing removed');
      return;
    }
    await this.backend.signOut(profile);
  }

  /** Maps a transition of the active profile onto added/removed/changed, for every session handed out for it. */
  private fire({ previous, current, initial }: SessionTransition): void {
    if (initial) return;
    const grant = (profile: string, session: Session | undefined) => session && this.toAuthSession(profile, '', session);
    const before = previous && grant(previous.profile, previous.session);
    const after = grant(current.profile, current.session);
    const handed = (profile: string | undefined) => [...(profile === undefined ? [] : this.handedOut.get(profile)?.values() ?? [])];
    const event = {
      added: [] as vscode.AuthenticationSession[],
      removed: [] as vscode.AuthenticationSession[],
      changed: [] as vscode.AuthenticationSession[],
    };
    if (before && after && previous?.profile === current.profile && before.account.id === after.account.id) {
      event.changed.push(after, ...handed(current.profile).filter((s) => s.id !== after.id));
    } else {
      if (before) event.removed.push(before, ...handed(previous?.profile).filter((s) => s.id !== before.id));
      if (previous) this.handedOut.delete(previous.profile);
      if (after) event.added.push(after);
    }
    if (event.added.length + event.removed.length + event.changed.length > 0) this.emitter.fire(event);
  }

  private remember(profile: string, session: vscode.AuthenticationSession): vscode.AuthenticationSession {
    let sessions = this.handedOut.get(profile);
    if (!sessions) this.handedOut.set(profile, sessions = new Map());
    sessions.set(session.id, session);
    return session;
  }

  /** The session as VS Code sees it: the scope set's token, with the scopes it really carries. */
  private toAuthSession(profile: string, key: string, session: Session): vscode.AuthenticationSession {
    return {
      id: authSessionId(profile, session.account.id, key),
      accessToken: session.accessToken,
      account: { id: session.account.id, label: session.account.label || session.account.id },
      scopes: scopeWords(session.scope),
    };
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
