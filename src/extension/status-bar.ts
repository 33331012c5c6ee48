import * as vscode from 'vscode';
import type { CredentialBackend } from './backend';

export const STATUS_BAR_ID = 'credshare.status';

/**
 * "$(account) Alice" / "signed out" / "refreshing" / "error" in the status bar; a click
 * opens Show Status. Shown only once the active profile exists: someone who never signed
 * in has nothing to see there (the Accounts menu and the palette offer the sign-in).
 */
export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly backend: CredentialBackend) {
    this.item = vscode.window.createStatusBarItem(STATUS_BAR_ID, vscode.StatusBarAlignment.Left, 10);
    this.item.name = vscode.l10n.t('credshare sign-in');
    this.item.command = 'credshare.showStatus';
    this.disposables = [
      this.item,
      backend.watcher.onDidTransition(() => this.update()),
      backend.onDidChangeActivity(() => this.update()),
      backend.onDidChangeMode(() => this.update()),
    ];
    this.update();
  }

  update(): void {
    const session = this.backend.watcher.current;
    void vscode.commands.executeCommand('setContext', 'credshare.signedIn', !!session);
    if (!this.backend.profile()) {
      this.item.hide();
      return;
    }
    this.item.show();
    const activity = this.backend.activity;
    const profile = this.backend.profileName();
    const who = session ? session.account.label || session.account.id : undefined;
    this.item.backgroundColor = undefined;
    if (activity.kind === 'error') {
      this.item.text = `$(warning) ${who ?? 'credshare'}`;
      this.item.tooltip = vscode.l10n.t('credshare: {0}\nClick for the status and what to do.', activity.message);
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    } else if (activity.kind === 'refreshing') {
      this.item.text = `$(sync~spin) ${who ?? 'credshare'}`;
      this.item.tooltip = vscode.l10n.t('credshare: refreshing the access token of profile "{0}"', profile);
    } else if (session) {
      this.item.text = `$(account) ${who}`;
      this.item.tooltip = vscode.l10n.t('credshare: signed in to profile "{0}" as {1}', profile, who!);
    } else {
      this.item.text = `$(account) ${vscode.l10n.t('credshare: signed out')}`;
      this.item.tooltip = vscode.l10n.t('credshare: not signed in to profile "{0}". Click to sign in or see the status.', profile);
    }
    if (this.backend.fallback) this.item.tooltip += '\n' + vscode.l10n.t('SecretStorage is not shared between windows here: using the shared store.');
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
