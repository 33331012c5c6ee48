import * as vscode from 'vscode';
import type { CredentialBackend } from './backend';
import { currentRefusal, refusalTooltip } from './status-rows';

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
    this.item.name = vscode.l10n.t({ message: 'credshare sign-in', comment: ['The status bar item\'s name, shown where users hide or show status bar items.'] });
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
      this.item.tooltip = vscode.l10n.t({
        message: 'credshare: {0}\nClick for the status and what to do.',
        args: [activity.message],
        comment: ['{0} is what went wrong, one or more whole sentences.'],
      });
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    } else if (activity.kind === 'refreshing') {
      this.item.text = `$(sync~spin) ${who ?? 'credshare'}`;
      this.item.tooltip = vscode.l10n.t({ message: 'credshare: refreshing the access token of profile "{0}"', args: [profile], comment: ['{0} is a credshare profile name.'] });
    } else if (session) {
      this.item.text = `$(account) ${who}`;
      this.item.tooltip = vscode.l10n.t({
        message: 'credshare: signed in to profile "{0}" as {1}',
        args: [profile, who!],
        comment: ['{0} is a credshare profile name, {1} an account (a user name or email address).'],
      });
    } else {
      this.item.text = `$(account) ${vscode.l10n.t({ message: 'credshare: signed out', comment: ['Status bar text: keep it short.'] })}`;
      this.item.tooltip = vscode.l10n.t({
        message: 'credshare: not signed in to profile "{0}". Click to sign in or see the status.',
        args: [profile],
        comment: ['{0} is a credshare profile name.'],
      });
      // Signed out by the issuer rather than by someone: say so, and why.
      const refusal = currentRefusal(this.backend);
      if (refusal) {
        this.item.text = `$(warning) ${vscode.l10n.t({ message: 'credshare: signed out', comment: ['Status bar text: keep it short.'] })}`;
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
        this.item.tooltip = refusalTooltip(profile, refusal);
      }
    }
    if (this.backend.storeChoice.reason === 'remote') this.item.tooltip += '\n' + remoteStoreNote(this.backend.storeChoice.where);
    if (this.backend.fallback) this.item.tooltip += '\n' + vscode.l10n.t({
      message: 'SecretStorage is not shared between windows here, so credshare uses the shared store.',
      comment: ['SecretStorage is the VS Code API that keeps secrets in the OS keychain: keep the name. The shared store is the credentials file that the credshare command line uses too.'],
    });
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** Why a remote window keeps its own sign-in (store-choice.ts), one sentence for the tooltip and the status view. */
export function remoteStoreNote(where: string): string {
  return vscode.l10n.t({
    message: 'This window\'s extension runs on a remote machine ({0}): credshare keeps this window\'s sign-in there, in the shared store of the remote, not in SecretStorage, which VS Code keeps on your local machine. So no two machines refresh one sign-in; sign in once in this window.',
    args: [where],
    comment: ['{0} names the kind of remote, e.g. "remote (ssh-remote)": keep as is. SecretStorage is the VS Code API that keeps secrets in the OS keychain: keep the name. The shared store is the credentials file that the credshare command line uses too.'],
  });
}
