import * as vscode from 'vscode';
import { ConfigError } from '../core/errors';
import { SignInError } from '../core/oauth/errors';
import type { SignInFlow as OAuthFlow } from '../core/oauth/flow-choice';
import { parseIssuer } from '../core/oauth/issuer';
import { loadIssuerMetadata } from '../core/oauth/metadata';
import { signIn } from '../core/oauth/sign-in';
import { DEFAULT_SCOPES, DEFAULT_TOLERANCE_SECONDS, saveProfile, type Profile } from '../core/profile';
import type { Session } from '../core/session';
import type { CredentialBackend } from './backend';
import { DeviceCodeUi } from './device-code-prompt';
import type { Settings } from './settings';
import { extensionHostKind, reachableRedirect, signInFlows, type ExtensionHostKind } from './sign-in-choice';
import { SingleSignIn } from './single-sign-in';
import { noRefreshTokenNote } from '../core/missing-refresh-token';
import { beyondProfile, extensionGrantName, extensionGrantProfile, extensionGrantScopes } from '../core/extension-grant';
import { formatIssuer } from '../core/format';

const BROWSER_TIMEOUT_MS = 5 * 60_000;
/**
 * VS Code hands a provider one `createSession` at a time: a second extension that asked
 * while the first sign-in ran gets its call only after that sign-in ended (seen in
 * code-server 4.139). Within this window after a sign-in, such a call gets that sign-in.
 */
const RECENT_SIGN_IN_MS = 60_000;

/** How a caller wants its sign-in. */
export interface SignInOptions {
  /** The profile to sign in to (the account another extension chose); default the active one. */
  profile?: string;
  /** OpenID Connect `login_hint`: the account to sign in as. */
  loginHint?: string;
  /** Accept a sign-in that ended moments ago and covers the scopes (requests from other extensions); not for "Sign In" by the user. */
  joinRecent?: boolean;
}

/** The loopback redirect cannot be reached from the user's browser here: try the next flow. */
class RedirectUnreachable extends Error {}

/**
 * Interactive sign-in inside VS Code, over the core OAuth flows. One at a time per profile:
 * callers arriving while one runs share it ({@link SingleSignIn}). The flows are tried in
 * the order {@link signInFlows} gives for this extension host and issuer; the browser flow
 * redirects to a loopback listener made reachable with `asExternalUri`, the device flow
 * shows its code in a modal and then in the progress notification ({@link DeviceCodeUi}).
 * The new session is stored under the refresh lock, for every window.
 */
export class SignInFlow {
  private readonly single = new SingleSignIn<Session>();
  private readonly recent = new Map<string, { scopes: ReadonlySet<string>; accountId: string; at: number }>();

  constructor(
    private readonly backend: CredentialBackend,
    private readonly settings: Settings,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /**
   * Signs in to `options.profile` (default: the active one) for the union of its scopes and
   * `extraScopes` (an incremental sign-in), as `options.loginHint` where given, and records
   * the union in config.json so that the CLI's next `credshare login` keeps it. Joins a
   * sign-in of that profile already under way.
   */
  async run(extraScopes: readonly string[], options: SignInOptions = {}): Promise<Session> {
    const { profile, isNew } = this.profileToSignIn(options.profile);
    // Scopes the profile does not sign in for get a grant of their own: build tools, which
    // get the profile's grant, never receive them (core/extension-grant.ts).
    if (beyondProfile(profile, extraScopes).length > 0) return this.runForExtensions(profile, isNew, extraScopes, options);
    const wanted: Profile = { ...profile, scopes: [...new Set([...profile.scopes, ...extraScopes])] };
    const writeProfile = isNew || wanted.scopes.length > profile.scopes.length;
    if (this.single.running(profile.name)) this.log.info(`joining the sign-in to profile "${profile.name}" already under way`);
    else if (options.joinRecent) {
      const joined = await this.recentSignIn(profile.name, wanted.scopes);
      if (joined) return joined;
    }
    return this.single.run(profile.name, wanted.scopes, async () => {
      const session = await this.signInOnce(wanted, writeProfile, options.loginHint);
      this.recent.set(profile.name, { scopes: new Set(wanted.scopes), accountId: session.account.id, at: Date.now() });
      return session;
    });
  }

  /**
   * Signs in the extensions' own grant for the union of the scopes it holds and `extraScopes`,
   * as the profile's account (its label as login hint), after signing in the profile itself
   * where it has no session yet (the Accounts menu and every tool rest on that one).
   */
  private async runForExtensions(profile: Profile, isNew: boolean, extraScopes: readonly string[], options: SignInOptions): Promise<Session> {
    const own = (isNew ? undefined : await this.backend.stored(profile.name)) ?? await this.run([], options);
    const name = extensionGrantName(profile.name);
    const wanted = extensionGrantProfile(profile, extensionGrantScopes(profile, await this.backend.stored(name), own.account.id, extraScopes));
    if (this.single.running(name)) this.log.info(`joining the sign-in of the extensions' own grant of profile "${profile.name}" already under way`);
    else if (options.joinRecent) {
      const joined = await this.recentSignIn(name, wanted.scopes);
      if (joined) return joined;
    }
    return this.single.run(name, wanted.scopes, async () => {
      this.log.info(`scopes beyond profile "${profile.name}" (${beyondProfile(profile, extraScopes).join(' ')}): signing in the extensions' own grant, which build tools never get`);
      const session = await this.signInOnce(wanted, false, options.loginHint ?? own.account.label);
      if (session.account.id !== own.account.id) {
        await this.backend.signOut(name, profile);
        throw new SignInError(vscode.l10n.t({
          message: 'You signed in as {0}, but profile "{1}" belongs to {2}. Sign in as {2} to give extensions more access.',
          args: [session.account.label || session.account.id, profile.name, own.account.label || own.account.id],
          comment: ['{0} and {2} are account names at the identity provider, {1} a credshare profile name.'],
        }));
      }
      this.recent.set(name, { scopes: new Set(wanted.scopes), accountId: session.account.id, at: Date.now() });
      return session;
    });
  }

  /** The session of a sign-in that ended within {@link RECENT_SIGN_IN_MS}, covers `scopes` and is still the stored account's. */
  private async recentSignIn(name: string, scopes: readonly string[]): Promise<Session | undefined> {
    const recent = this.recent.get(name);
    if (!recent || Date.now() - recent.at > RECENT_SIGN_IN_MS || !scopes.every((s) => recent.scopes.has(s))) return undefined;
    const current = await this.backend.stored(name).catch(() => undefined);
    if (current?.account.id !== recent.accountId) return undefined;
    this.log.info(`a sign-in to "${name}" ended ${Math.round((Date.now() - recent.at) / 1000)}s ago and covers the scopes asked for: using it`);
    return current;
  }

  private async signInOnce(profile: Profile, writeProfile: boolean, loginHint: string | undefined): Promise<Session> {
    const abort = new AbortController();
    const io = { timeoutMs: this.backend.config().timings.requestTimeoutMs, signal: abort.signal };
    const issuer = parseIssuer(profile.issuer);
    const host = hostKind();
    const metadata = await loadIssuerMetadata(issuer, { ...io, home: this.backend.paths.home, endpoints: profile.endpoints });
    const flows = signInFlows(host, { authorizationEndpoint: !!metadata.as.authorization_endpoint, deviceAuthorization: !!metadata.as.device_authorization_endpoint }, this.settings.signInFlow);
    if (flows.length === 0) {
      throw new SignInError(vscode.l10n.t({
        message: '{0} offers no sign-in flow that works here (setting "credshare.signIn.flow" is "{1}"). Choose another flow in the settings.',
        args: [formatIssuer(issuer), this.settings.signInFlow],
        comment: ['{0} is the identity provider\'s URL, {1} the setting\'s value (auto, browser or deviceCode: keep as is).'],
      }));
    }
    let session: Session | undefined;
    for (const [i, flow] of flows.entries()) {
      this.log.info(`signing in to profile "${profile.name}" at ${profile.issuer} (${flow} flow, ${host} extension host${loginHint ? `, login hint ${loginHint}` : ''})`);
      try {
        session = await this.attempt(flow, profile, metadata, io, abort, host, i < flows.length - 1, loginHint);
        break;
      } catch (error) {
        if (!(error instanceof RedirectUnreachable)) throw error;
        this.log.info(`browser flow skipped: ${error.message}`);
      }
    }
    if (!session) throw new SignInError(vscode.l10n.t({
      message: 'No browser can reach this window\'s sign-in listener, and {0} offers no device sign-in.',
      args: [formatIssuer(issuer)],
      comment: ['{0} is the identity provider\'s URL. The listener is the local web address the browser returns to after signing in; device sign-in is the flow with a one-time code.'],
    }));
    // As `credshare login` does: the profile (new, or its scopes widened) is written with the session, never before it.
    await this.backend.signIn(profile.name, session, writeProfile ? () => saveProfile(this.backend.paths, profile, false) : undefined);
    this.log.info(`signed in to profile "${profile.name}" as ${session.account.id}`);
    if (!session.refreshToken) this.log.warn(noRefreshTokenNote(profile, session));
    return session;
  }

  private async attempt(flow: OAuthFlow, profile: Profile, metadata: Awaited<ReturnType<typeof loadIssuerMetadata>>,
    io: { timeoutMs: number; signal: AbortSignal }, abort: AbortController, host: ExtensionHostKind, canFallBack: boolean, loginHint: string | undefined): Promise<Session> {
    const request = { profile, home: this.backend.paths.home, flow, forced: true, io, metadata, browserTimeoutMs: BROWSER_TIMEOUT_MS, ...(loginHint ? { loginHint } : {}) };
    const issuerHost = new URL(profile.issuer).host;
    if (flow === 'device') {
      const ui = new DeviceCodeUi(issuerHost, abort, this.log);
      try {
        return (await signIn({ ...request, openUrl: () => undefined, showCode: (prompt) => ui.show(prompt) })).session;
      } finally {
        ui.end();
      }
    }
    const title = vscode.l10n.t({ message: 'Signing in to {0}…', args: [issuerHost], comment: ['{0} is the host name of the identity provider'] });
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (_progress, token) => {
      const cancel = token.onCancellationRequested(() => abort.abort());
      try {
        return (await signIn({
          ...request,
          showCode: () => undefined,
          reachableRedirectUri: (loopback) => this.reachable(loopback, host, canFallBack),
          openUrl: (url) => this.openAuthorizationPage(url),
        })).session;
      } finally {
        cancel.dispose();
      }
    });
  }

  /** `asExternalUri` on the loopback redirect (not on the issuer): VS Code forwards the port from a remote host. */
  private async reachable(loopback: string, host: ExtensionHostKind, canFallBack: boolean): Promise<string> {
    if (host === 'local') return loopback;
    const external = (await vscode.env.asExternalUri(vscode.Uri.parse(loopback, true))).toString(true);
    const redirect = reachableRedirect(loopback, external);
    if (redirect) {
      this.log.info(`sign-in redirect ${loopback} reachable from the browser as ${redirect}`);
      return redirect;
    }
    if (canFallBack) throw new RedirectUnreachable(`${loopback} reaches the browser only as ${external}, which is not a loopback redirect`);
    // Nothing else to try: go on, the browser may still reach it (a tunnel the issuer allows).
    return loopback;
  }

  private async openAuthorizationPage(url: string): Promise<void> {
    try {
      if (!(await vscode.env.openExternal(vscode.Uri.parse(url, true)))) this.log.warn('the browser could not be opened for the sign-in');
    } catch (error) {
      this.log.warn(`cannot open the sign-in page: ${(error as Error).message}`);
    }
  }

  /** The active profile, or one made from the issuer/client settings for a first sign-in. */
  private profileToSignIn(name?: string): { profile: Profile; isNew: boolean } {
    const existing = name ? this.backend.config().profiles[name] : this.backend.profile();
    if (existing) return { profile: existing, isNew: false };
    const { issuer, clientId } = this.settings;
    if (!issuer || !clientId) {
      throw new ConfigError(vscode.l10n.t({
        message: 'Nothing to sign in to yet: set "credshare.issuer" and "credshare.clientId" in the settings (your identity provider\'s URL and the client ID registered for credshare), then sign in again.',
        comment: ['credshare.issuer and credshare.clientId are setting names: keep them. A client ID is what the identity provider calls the registered application.'],
      }));
    }
    return {
      profile: {
        name: this.backend.profileName(), issuer, clientId, scopes: [...DEFAULT_SCOPES], hosts: [], refreshToleranceSeconds: DEFAULT_TOLERANCE_SECONDS,
        // The other client fields (secret, endpoints) come only from config.json (`credshare login`).
        ...(this.settings.redirectPort ? { redirectPort: this.settings.redirectPort } : {}),
      },
      isNew: true,
    };
  }
}

function hostKind(): ExtensionHostKind {
  return extensionHostKind(vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop', vscode.env.remoteName);
}
