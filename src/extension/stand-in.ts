import * as vscode from 'vscode';
import { PROVIDER_ID } from './auth-provider';

/** What the full extension hands back once it is running: its authentication provider. */
export interface Awake {
  provider: vscode.AuthenticationProvider;
  /** A getSessions naming no account that the stand-in answered with nothing (see join-recent.ts). */
  noteEmptyAnswer?(scopes: readonly string[], at: number): void;
}

/**
 * Stands in for the extension in a window where nobody has used credshare yet: the
 * `credshare` provider answers "no sessions" and every command is registered, without
 * loading the extension proper. The first real use — a sign-in, a command, a profile
 * appearing on disk — wakes it: the stand-in's registrations go first (an id can be
 * registered once), then the extension registers its own and takes the call over.
 */
export class StandIn implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.AuthenticationProviderAuthenticationSessionsChangeEvent>();
  private readonly registrations: vscode.Disposable[] = [];
  private awake: Awake | undefined;
  /**
   * Requests the stand-in answered with nothing: handed to the extension when it wakes, so
   * that a second extension's createSession, which VS Code passes only after the first
   * one's sign-in ended, takes that sign-in instead of starting another (join-recent.ts).
   */
  private readonly emptyAnswers: { scopes: readonly string[]; at: number }[] = [];

  constructor(
    commandIds: readonly string[],
    private readonly hasProfile: () => boolean,
    private readonly wakeUp: () => Awake,
  ) {
    const provider: vscode.AuthenticationProvider = {
      onDidChangeSessions: this.emitter.event,
      getSessions: async (scopes, options) => {
        if (this.hasProfile()) return this.wake().provider.getSessions(scopes, options ?? {});
        if (scopes && !options?.account) this.emptyAnswers.push({ scopes: [...scopes], at: Date.now() });
        return [];
      },
      createSession: async (scopes, options) => this.wake().provider.createSession(scopes, options ?? {}),
      removeSession: async (id) => this.wake().provider.removeSession(id),
    };
    this.registrations.push(vscode.authentication.registerAuthenticationProvider(PROVIDER_ID, 'credshare', provider, { supportsMultipleAccounts: true }));
    for (const id of commandIds) {
      this.registrations.push(vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        this.wake();
        return vscode.commands.executeCommand(id, ...args);
      }));
    }
  }

  /** A profile appeared (another window or a terminal signed in): tell the extensions that asked, then wake. */
  profileAppeared(): void {
    if (this.awake) return;
    // Listeners ask again, and by then the extension proper answers for `credshare`.
    this.emitter.fire({ added: [], removed: [], changed: [] });
    this.wake();
  }

  /** Once: drops the stand-in's registrations and starts the extension proper. */
  wake(): Awake {
    if (!this.awake) {
      this.dispose();
      this.awake = this.wakeUp();
      for (const { scopes, at } of this.emptyAnswers.splice(0)) this.awake.noteEmptyAnswer?.(scopes, at);
    }
    return this.awake;
  }

  dispose(): void {
    for (const r of this.registrations.splice(0)) r.dispose();
  }
}
