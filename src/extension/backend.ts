import * as vscode from 'vscode';
import { SignInRequiredError } from '../core/errors';
import { resolveHome, type HomePaths } from '../core/paths';
import { DEFAULT_TIMINGS, loadConfig, type Config, type Profile } from '../core/profile';
import { checkHome } from '../core/private-files';
import type { Session } from '../core/session';
import { removeSession, storeSession } from '../core/session-writes';
import { extensionGrantName, profileForExtension } from '../core/extension-grant';
import { scopeKey, sessionForScopes } from '../core/scope-sets';
import type { SignedInProfile } from './accounts';
import { ActivityTracker, type Activity } from './activity';
import { revokeForLog } from './revoke';
import { SessionWatcher } from './session-watcher';
import type { Settings, StoreSetting } from './settings';
import { moveSession } from './store-migration';
import { SecretStorageMode, SharedMode, type ModeObservers, type StoreMode } from './store-modes';

export interface SessionOptions {
  /** Another profile than the active one (IPC requests from terminals name theirs). */
  profile?: string;
  minValiditySeconds?: number;
  /** Refresh even if the token is fresh (Refresh Now). */
  force?: boolean;
  /** The scope set the access token is for (scope-sets.ts); absent: the grant's own. */
  scopes?: readonly string[];
  /** A token the caller must not get back (a forced new session): a cached one is refreshed. */
  rejectedAccessToken?: string;
  /**
   * May be served by the extensions' own grant where the profile's lacks the scopes
   * (core/extension-grant.ts). Only the authentication provider sets it: terminals (IPC) never.
   */
  extensionGrant?: boolean;
}

/**
 * The window's access to the credential store chosen in settings: which profile is
 * active, the core coordinator over the store, the watcher that reports changes from
 * any process, and the fallback from SecretStorage to the shared store.
 */
export class CredentialBackend implements vscode.Disposable {
  readonly paths: HomePaths = resolveHome(process.env);
  readonly watcher: SessionWatcher;
  private mode: StoreMode;
  private modeListener: vscode.Disposable | undefined;
  private readonly settingsListener: vscode.Disposable;
  private fallbackReason: string | undefined;
  private readonly activityTracker = new ActivityTracker();
  readonly onDidChangeActivity = this.activityTracker.onDidChange;
  private readonly modeEmitter = new vscode.EventEmitter<StoreMode>();
  /** Fires after the store mode changed (setting, or fallback). */
  readonly onDidChangeMode = this.modeEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly settings: Settings,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.watcher = new SessionWatcher(async () => {
      const profile = this.profileName();
      return { profile, session: await this.mode.parts.store.read(profile) };
    }, log);
    this.reportUnsafeHome();
    this.mode = this.createMode();
    this.listen();
    this.settingsListener = settings.onDidChange(() => this.onSettingsChanged());
    void this.watcher.check();
  }

  get storeMode(): StoreMode {
    return this.mode;
  }

  /** Why the window uses the shared store although settings ask for SecretStorage, if it does. */
  get fallback(): string | undefined {
    return this.fallbackReason;
  }

  get activity(): Activity {
    return this.activityTracker.current;
  }

  /** config.json; throws (as the CLI does) for a home that others own or can write, naming it and the fix. */
  config(): Config {
    return loadConfig(this.paths);
  }

  /** The active profile's name: the setting, else `CREDSHARE_PROFILE`, else config.json's default ("default" if it cannot be read). */
  profileName(config?: Config): string {
    return this.settings.profile || process.env.CREDSHARE_PROFILE || (config ?? this.readableConfig())?.defaultProfile || 'default';
  }

  private readableConfig(): Config | undefined {
    try {
      return this.config();
    } catch {
      return undefined; // reported where it matters: sign-in, getSession, and at activation
    }
  }

  /**
   * The CLI refuses a home that another user owns or can write to (its config.json and
   * discovery cache decide where tokens go); so does every window, in both store modes.
   * Every use of the profile then fails with the same message; this says it once up front.
   */
  private reportUnsafeHome(): void {
    try {
      checkHome(this.paths.home);
    } catch (error) {
      const message = (error as Error).message;
      this.log.error(`refusing the credshare home: ${message}`);
      void vscode.window.showErrorMessage(vscode.l10n.t({
        message: 'credshare will not use its home: {0}',
        args: [message],
        comment: ['{0} is the reason, one or more whole sentences naming the directory and what to do. "home" is the credshare home directory (CREDSHARE_HOME).'],
      }));
    }
  }

  /** The active profile, or undefined while config.json has none of that name (never signed in). */
  profile(): Profile | undefined {
    const config = this.config();
    return config.profiles[this.profileName(config)];
  }

  /** The active profile's session as stored, without refreshing. */
  peek(): Promise<Session | undefined> {
    return this.mode.parts.store.read(this.profileName());
  }

  /**
   * What an extension's request for `scopes` of profile `name` is served by as stored (no
   * refresh): that grant (the profile's, or the extensions' own) and its token for them, if any.
   */
  async storedForExtension(name: string, scopes: readonly string[] | undefined): Promise<{ grant: Session; view?: Session } | undefined> {
    const profile = this.config().profiles[name];
    if (!profile) return undefined;
    const target = await profileForExtension(this.mode.parts.store, profile, scopes);
    const grant = await this.mode.parts.store.read(target.name);
    return grant && { grant, view: sessionForScopes(grant, scopeKey(scopes), target.scopes) };
  }

  /** The session stored under `name` (a profile, or its extension grant), without refreshing. */
  stored(name: string): Promise<Session | undefined> {
    return this.mode.parts.store.read(name);
  }

  /** Every profile with a stored session (an account each), without refreshing. */
  async signedInProfiles(): Promise<SignedInProfile[]> {
    const signedIn: SignedInProfile[] = [];
    for (const profile of Object.keys(this.config().profiles)) {
      const session = await this.mode.parts.store.read(profile);
      if (session) signedIn.push({ profile, session });
    }
    return signedIn;
  }

  /** A session valid for at least the tolerance, refreshed (once for every window and process) if need be. */
  async getSession(options: SessionOptions = {}): Promise<Session> {
    const config = this.config();
    const name = options.profile ?? this.profileName(config);
    const profile = config.profiles[name];
    if (!profile) throw new SignInRequiredError(vscode.l10n.t({
      message: 'Not signed in: profile "{0}" does not exist yet. Run "credshare: Sign In".',
      args: [name],
      comment: ['{0} is a credshare profile name. "credshare: Sign In" is a command title as shown in the Command Palette; keep it as translated there.'],
    }));
    const target = options.extensionGrant ? await profileForExtension(this.mode.parts.store, profile, options.scopes) : profile;
    // Whether it refreshes is the coordinator's call (onRefresh, wired in createMode).
    return this.activityTracker.track(async () => this.mode.coordinator.getSession({
      profile: target,
      minValiditySeconds: options.minValiditySeconds,
      scopes: options.scopes,
      rejectedAccessToken: options.force ? (await this.mode.parts.store.read(name))?.accessToken : options.rejectedAccessToken,
    }));
  }

  /**
   * Stores a new sign-in for the profile (under the lock: no refresh in flight can overwrite
   * it); `thenWrite` (a first sign-in's profile) runs under the same lock right after. A
   * sign-in of the same account (an incremental one, for more scopes) keeps the scope sets'
   * cached tokens, so extensions using them go on without a refresh.
   */
  async signIn(profile: string, session: Session, thenWrite?: () => void): Promise<void> {
    await storeSession(this.mode.parts, profile, session, { keepScopedTokens: true, ...(thenWrite ? { thenWrite } : {}) });
    this.activityTracker.reset();
    await this.watcher.check();
  }

  /** Removes the session of `name` (default: the active profile); resolves to what was removed. */
  async signOut(name = this.profileName(), revokeAs?: Profile): Promise<Session | undefined> {
    // `revokeAs`: the profile whose issuer and client revoke a session stored under another name (an extension grant).
    const profile = revokeAs ?? this.config().profiles[name];
    const removed = await removeSession(this.mode.parts, name, async (session) => {
      if (profile) this.log.info(`sign-out: ${await revokeForLog(profile, session, this.paths.home, this.mode.parts.timings.requestTimeoutMs)}`);
    });
    // The extensions' own grant goes with it (core/extension-grant.ts).
    await removeSession(this.mode.parts, extensionGrantName(name), async (session) => {
      if (profile) this.log.info(`sign-out of the extensions' own grant: ${await revokeForLog(profile, session, this.paths.home, this.mode.parts.timings.requestTimeoutMs)}`);
    });
    this.activityTracker.reset();
    await this.watcher.check();
    return removed;
  }

  /** SecretStorage turned out not to be shared between windows: use the shared store, and move the session there. */
  async useSharedStore(reason: string): Promise<void> {
    if (this.fallbackReason) return;
    this.fallbackReason = reason;
    const from = this.mode;
    const to = this.createMode();
    const name = this.profileName();
    try {
      const outcome = await moveSession(from, to, name);
      this.log.info(`profile "${name}" out of SecretStorage into ${this.paths.credentials}: ${outcome}`);
      await moveSession(from, to, extensionGrantName(name));
    } catch (error) {
      this.log.warn(`could not move the session out of SecretStorage: ${(error as Error).message}`);
    }
    this.replaceMode(to);
  }

  private createMode(): StoreMode {
    const timings = this.readableConfig()?.timings ?? DEFAULT_TIMINGS;
    const observers: ModeObservers = {
      log: (message) => this.log.debug(message),
      onRefresh: (refresh) => {
        this.activityTracker.follow(refresh);
        // Once it is over, look at the store now rather than at the next poll.
        const touch = (): void => this.watcher.touch();
        refresh.then(touch, touch);
      },
    };
    const wanted: StoreSetting = this.fallbackReason ? 'shared' : this.settings.store;
    if (wanted === 'secretStorage') return new SecretStorageMode(this.context.secrets, this.context.globalStorageUri.fsPath, timings, observers);
    return new SharedMode(this.paths, timings, observers);
  }

  private rebuild(): void {
    this.replaceMode(this.createMode());
  }

  private replaceMode(next: StoreMode): void {
    this.modeListener?.dispose();
    this.mode.dispose();
    this.mode = next;
    this.listen();
    this.log.info(`store: ${this.mode.kind === 'shared' ? this.paths.credentials : 'VS Code SecretStorage'}`);
    this.modeEmitter.fire(this.mode);
    void this.watcher.check();
  }

  private listen(): void {
    this.modeListener = this.mode.onDidTouch(() => this.watcher.touch());
  }

  /** Settings changed: a new store mode if `credshare.store` changed; re-check the session either way (profile). */
  private onSettingsChanged(): void {
    const wanted = this.fallbackReason ? 'shared' : this.settings.store;
    if (wanted !== this.mode.kind) this.rebuild();
    else void this.watcher.check();
  }

  dispose(): void {
    this.settingsListener.dispose();
    this.modeListener?.dispose();
    this.mode.dispose();
    this.watcher.dispose();
    this.activityTracker.dispose();
    this.modeEmitter.dispose();
  }
}
