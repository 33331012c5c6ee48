import * as vscode from 'vscode';
import { ConfigError } from '../core/errors';
import type { DeviceCodePrompt } from '../core/oauth/device-code';
import type { SignInFlow as OAuthFlow } from '../core/oauth/flow-choice';
import { signIn } from '../core/oauth/sign-in';
import { DEFAULT_SCOPES, DEFAULT_TOLERANCE_SECONDS, saveProfile, type Profile } from '../core/profile';
import type { Session } from '../core/session';
import type { CredentialBackend } from './backend';
import type { Settings } from './settings';

const BROWSER_TIMEOUT_MS = 5 * 60_000;

/**
 * Interactive sign-in inside VS Code, over the core OAuth flows: the browser flow opens
 * the authorization URL with `openExternal` (through `asExternalUri`); the device flow
 * shows its code in a notification with a copy button. Cancellable from the progress
 * notification. The new session is stored under the refresh lock, for every window.
 */
export class SignInFlow {
  constructor(
    private readonly backend: CredentialBackend,
    private readonly settings: Settings,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /**
   * Signs in to `options.profile` (default: the active one) for the union of its scopes and
   * `extraScopes` (an incremental sign-in), as `options.loginHint` where given, and records
   * the union in config.json so that the CLI's next `credshare login` keeps it.
   */
  async run(extraScopes: readonly string[], options: { profile?: string; loginHint?: string } = {}): Promise<Session> {
    const { profile, isNew } = this.profileToSignIn(options.profile);
    const wanted: Profile = { ...profile, scopes: [...new Set([...profile.scopes, ...extraScopes])] };
    const widened = wanted.scopes.length > profile.scopes.length;
    const flow = this.flow();
    const timings = this.backend.config().timings;
    this.log.info(`signing in to profile "${profile.name}" at ${profile.issuer} (${flow} flow${options.loginHint ? `, login hint ${options.loginHint}` : ''})`);
    const title = vscode.l10n.t('Signing in to {0}', new URL(profile.issuer).host);
    // VS Code cannot take a notification back: once the sign-in is over, its code is moot.
    let over = false;
    const session = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (_progress, token) => {
      const abort = new AbortController();
      const cancel = token.onCancellationRequested(() => abort.abort());
      try {
        const result = await signIn({
          profile: wanted,
          home: this.backend.paths.home,
          flow,
          forced: this.settings.signInFlow !== 'auto',
          io: { timeoutMs: timings.requestTimeoutMs, signal: abort.signal },
          openUrl: (url) => this.openUrl(url),
          showCode: (prompt) => void this.showCode(prompt, () => over),
          browserTimeoutMs: BROWSER_TIMEOUT_MS,
          loginHint: options.loginHint,
        });
        return result.session;
      } finally {
        over = true;
        cancel.dispose();
      }
    });
    // As `credshare login` does: the profile (new, or its scopes widened) is written with the session, never before it.
    await this.backend.signIn(profile.name, session, isNew || widened ? () => saveProfile(this.backend.paths, wanted, false) : undefined);
    this.log.info(`signed in to profile "${profile.name}" as ${session.account.id}`);
    return session;
  }

  /** The active profile, or one made from the issuer/client settings for a first sign-in. */
  private profileToSignIn(name?: string): { profile: Profile; isNew: boolean } {
    const existing = name ? this.backend.config().profiles[name] : this.backend.profile();
    if (existing) return { profile: existing, isNew: false };
    const { issuer, clientId } = this.settings;
    if (!issuer || !clientId) {
      throw new ConfigError(vscode.l10n.t('No profile "{0}" to sign in to yet. Set "credshare.issuer" and "credshare.clientId" in the settings, or run `credshare login --issuer URL --client-id ID` in a terminal.', this.backend.profileName()));
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

  /** Device flow where the loopback redirect cannot reach this machine's browser (web, remote); browser elsewhere. */
  private flow(): OAuthFlow {
    const setting = this.settings.signInFlow;
    if (setting === 'browser') return 'browser';
    if (setting === 'deviceCode') return 'device';
    return vscode.env.uiKind === vscode.UIKind.Web || vscode.env.remoteName ? 'device' : 'browser';
  }

  private async openUrl(url: string): Promise<void> {
    try {
      const external = await vscode.env.asExternalUri(vscode.Uri.parse(url, true));
      if (!(await vscode.env.openExternal(external))) this.log.warn('the browser could not be opened for the sign-in');
    } catch (error) {
      this.log.warn(`cannot open the sign-in page: ${(error as Error).message}`);
    }
  }

  /** The code in a notification; "Copy Code" copies it and opens the page where it goes. */
  private async showCode(prompt: DeviceCodePrompt, isOver: () => boolean): Promise<void> {
    const copy = vscode.l10n.t('Copy Code & Open Page');
    this.log.info(`device sign-in: enter the code at ${prompt.verificationUri} (valid ${prompt.expiresInSeconds}s)`);
    const choice = await vscode.window.showInformationMessage(
      vscode.l10n.t('To sign in, enter the code {0} at {1}', prompt.userCode, prompt.verificationUri), copy);
    if (choice !== copy || isOver()) return;
    await vscode.env.clipboard.writeText(prompt.userCode);
    await this.openUrl(prompt.verificationUriComplete ?? prompt.verificationUri);
  }
}
