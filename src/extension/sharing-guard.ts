import * as vscode from 'vscode';
import type { CredentialBackend } from './backend';
import { SecretSharingProbe } from './secret-sharing';
import type { StoreMode } from './store-modes';

/**
 * In SecretStorage mode, runs the {@link SecretSharingProbe}; if SecretStorage turns out
 * not to be shared between windows, switches this window to the shared store and says so
 * (the log, and one notification in the window that found out).
 */
export class SharingGuard implements vscode.Disposable {
  private probe: SecretSharingProbe | undefined;
  private readonly listener: vscode.Disposable;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly backend: CredentialBackend,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.listener = backend.onDidChangeMode((mode) => this.follow(mode));
    this.follow(backend.storeMode);
  }

  private follow(mode: StoreMode): void {
    if (mode.kind !== 'secretStorage') {
      this.probe?.dispose();
      this.probe = undefined;
      return;
    }
    if (this.probe) return;
    const probe = new SecretSharingProbe(this.context.secrets, mode.parts.lock,
      ({ how, foundHere }) => void this.fallBack(how, foundHere), (message) => this.log.warn(message));
    this.probe = probe;
    probe.start(mode.parts.timings.lockTimeoutMs).catch((error: Error) => this.log.warn(`SecretStorage sharing probe: ${error.message}`));
  }

  private async fallBack(how: string, notify: boolean): Promise<void> {
    this.log.warn(`SecretStorage is not shared between the windows of this VS Code (${how}): using the shared store ${this.backend.paths.credentials} instead`);
    await this.backend.useSharedStore(how);
    if (!notify) return;
    const showLog = vscode.l10n.t('Show Log');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t({
        message: 'credshare: SecretStorage is not shared between the windows of this VS Code, so windows could not see each other\'s sign-ins and refreshes. credshare now keeps the session in {0} (mode 0600), shared by every window and terminal.',
        args: [this.backend.paths.credentials],
        comment: ['{0} is a file path. "SecretStorage" is the VS Code API that keeps secrets in the OS keychain; keep the name. "mode 0600" is a Unix file permission: readable by its owner only.'],
      }),
      showLog);
    if (choice === showLog) this.log.show();
  }

  dispose(): void {
    this.listener.dispose();
    this.probe?.dispose();
  }
}
