import * as vscode from 'vscode';
import { SignInRequiredError } from '../core/errors';
import { scopeKey, scopeWords, sessionForScopes } from '../core/scope-sets';
import type { Session } from '../core/session';
import { authSessionId, parseAuthSessionId, profilesFor, type SignedInProfile } from './accounts';
import type { CredentialBackend } from './backend';
import type { RecentSignIns } from './join-recent';
import { sessionChanges } from './session-events';
import type { SessionTransition } from './session-watcher';
import type { SignedIn } from './sign-in';

export const PROVIDER_ID = 'credshare';

/** Where and as whom to sign in: a profile (default: the active one) and an OpenID Connect login hint. */
export interface SignInOptions {
  profile?: string;
  loginHint?: string;
  /** No account named: may take a sign-in that ended moments ago (join-recent.ts). */
  joinRecent?: boolean;
  /** Another account than the profile's goes beside it (account-placement.ts). */
  sideBySide?: boolean;
}

/** Signs in (interactively) for the union of the profile's scopes and `scopes`; resolves to where it was stored; see sign-in.ts. */
export type SignIn = (scopes: readonly string[], options: SignInOptions) => Promise<SignedIn>;

/**
 * The `credshare` authentication provider. Each signed-in profile is an account; each
 * scope set an extension asks for gets an access token carrying exactly those scopes (the
 * core refreshes the profile's one grant with a narrower `scope`, once for every window
 * and process), under a session id stable per (profile, account, scope set). A scope the
 * grant lacks makes `getSessions` answer nothing, so VS Code calls `createSession`, which
 * signs in the extensions' own grant for it (core/extension-grant.ts: build tools keep the
 * profile's grant and never get such scopes). `onDidChangeSessions` follows every profile
 * in the store, whoever wrote it.
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
    private readonly recent: RecentSignIns,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables = [
      this.emitter,
      vscode.authentication.registerAuthenticationProvider(PROVIDER_ID, 'credshare', this, { supportsMultipleAccounts: true }),
      backend.watcher.onDidTransition((t) => this.fire(t)),
    ];
  }

  /**
   * Without scopes (VS Code listing accounts: the Accounts menu, `getAccounts`, sign-out):
   * one session per signed-in profile, from the store only, never a refresh or a throw, as
   * the built-in Microsoft provider lists its accounts. With scopes: a valid token for that
   * scope set from each candidate profile (refreshed where need be, all at once); a profile
   * that fails is logged and left out, so one issuer down never hides the other accounts.
   * The call fails only when every candidate failed (a caller naming one account, or a
   * single profile, then learns why).
   */
  async getSessions(scopes: readonly string[] | undefined, options: vscode.AuthenticationProviderSessionOptions = {}): Promise<vscode.AuthenticationSession[]> {
    if (scopes === undefined) return this.listAccounts(options.account);
    const candidates = profilesFor(await this.backend.accounts(), this.backend.profileName(), options.account);
    const results = await Promise.allSettled(candidates.map(({ profile }) => this.backend.getSession({ profile, scopes, extensionGrant: true })));
    const sessions: vscode.AuthenticationSession[] = [];
    const failures: unknown[] = [];
    results.forEach((result, i) => {
      const { profile } = candidates[i]!;
      if (result.status === 'fulfilled') {
        sessions.push(this.remember(profile, this.toAuthSession(profile, scopeKey(scopes), result.value)));
      } else if (!(result.reason instanceof SignInRequiredError)) {
        // Signed out meanwhile, or a scope this grant lacks, is no session (VS Code then offers a sign-in); anything else is logged.
        failures.push(result.reason);
        this.log.warn(`getSessions: profile "${profile}" left out: ${(result.reason as Error).message}`);
      }
    });
    if (sessions.length === 0 && failures.length > 0 && failures.length === candidates.length) throw failures[0];
    if (!options.account) this.recent.noteAnswer(scopes, sessions.length === 0);
    return sessions;
  }

  private async listAccounts(account: vscode.AuthenticationSessionAccountInformation | undefined): Promise<vscode.AuthenticationSession[]> {
    const signedIn = profilesFor(await this.backend.accounts(), this.backend.profileName(), account);
    return signedIn.map(({ profile, session }) => this.toAuthSession(profile, '', session));
  }

  /**
   * Signs in for `scopes`: the profile's own grant where its scopes hold them, else the
   * extensions' own grant (sign-in.ts). With `options.account`
   * (forceNewSession, or an extension naming an account) that account's profile, with its
   * label as the issuer's login hint; else the active profile. Accounts stay side by side:
   * a sign-in that comes back as another account than the profile holds ("Sign in to
   * another account", or an account credshare does not know) is stored as a profile of its
   * own, never over the signed-in one.
   */
  async createSession(scopes: readonly string[], options: vscode.AuthenticationProviderSessionOptions = {}): Promise<vscode.AuthenticationSession> {
    const before = await this.backend.accounts();
    const [target] = options.account ? profilesFor(before, this.backend.profileName(), options.account) : [];
    const profile = target?.profile ?? this.backend.profileName();
    const key = scopeKey(scopes);
    // The grant serving these scopes as stored now: the profile's, or the extensions' own (core/extension-grant.ts).
    const storedBefore = await this.backend.storedForExtension(profile, scopes);
    const { profile: storedIn } = await this.signIn(scopes, { profile, loginHint: options.account?.label, joinRecent: !options.account, sideBySide: true });
    // The scope set's own token from the new grant (the sign-in's token where it is that set);
    // never the one cached before (forceNewSession asks for a new one). Other sets keep theirs.
    // A call that joined a sign-in another extension made moments ago (join-recent.ts) finds the
    // same grant: its token is that sign-in's, and rejecting it would refresh for nothing.
    // Another account's sign-in lands in its own profile (account-placement.ts): compare with what that one held.
    const stored = storedIn === profile ? storedBefore : beforeIn(before, storedIn, key, this.backend.config().profiles[storedIn]?.scopes);
    const previous = stored?.view;
    const after = await this.backend.storedForExtension(storedIn, scopes);
    const newGrant = after?.grant.refreshToken !== stored?.grant.refreshToken;
    const session = await this.backend.getSession({ profile: storedIn, scopes, extensionGrant: true, ...(newGrant && previous ? { rejectedAccessToken: previous.accessToken } : {}) });
    return this.remember(storedIn, this.toAuthSession(storedIn, key, session));
  }

  /** Signs out of the one profile (account) the session belongs to; the other accounts stay. */
  async removeSession(id: string): Promise<void> {
    const named = parseAuthSessionId(id);
    const profile = named?.profile ?? this.backend.profileName();
    const current = (await this.backend.accounts()).find((p) => p.profile === profile)?.session;
    if (!current || (named && current.account.id !== named.accountId)) {
      this.log.info('removeSession: the session asked for was already replaced; nothing removed');
      return;
    }
    await this.backend.signOut(profile);
  }

  /** Maps a change of any profile (or of the active one) onto added/removed/changed (session-events.ts). */
  private fire({ previous, current, initial }: SessionTransition): void {
    if (initial || !previous) return;
    const event = sessionChanges(previous, current, (profile, session: Session) => this.toAuthSession(profile, '', session),
      (profile) => [...(this.handedOut.get(profile)?.values() ?? [])]);
    for (const profile of event.forget) this.handedOut.delete(profile);
    const { added, removed, changed } = event;
    if (added.length + removed.length + changed.length === 0) return;
    const ids = (list: readonly vscode.AuthenticationSession[]) => list.map((s) => s.id).join(', ') || '-';
    this.log.info(`onDidChangeSessions: added ${ids(added)}; removed ${ids(removed)}; changed ${ids(changed)}`);
    this.emitter.fire({ added, removed, changed });
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

/** What profile `name` held before a sign-in, as `storedForExtension` gives it (its own grant; the caller's scope set's token). */
function beforeIn(before: readonly SignedInProfile[], name: string, key: string, profileScopes: readonly string[] | undefined): { grant: Session; view?: Session } | undefined {
  const grant = before.find((p) => p.profile === name)?.session;
  return grant && { grant, view: sessionForScopes(grant, key, profileScopes) };
}
