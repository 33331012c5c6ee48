import * as vscode from 'vscode';
import type { CredentialBackend } from './backend';
import { remoteStoreNote } from './status-bar';
import { currentRefusal, lastRefreshRow, refusalRow, tokenRow, type StatusItem as Item } from './status-rows';

/** Access tokens per scope set, where the store keeps them (`session.tokens`); absent in older stores. */
type ScopedTokens = Record<string, { expiresAt?: number; scope?: string }>;

/**
 * "credshare: Show Status" (and a click on the status bar item): a quick pick with what a
 * user acts on — the account, how long the token lasts, the scope sets, the last refresh
 * by any window or process, where the session lives — and the actions: Sign In or Sign
 * Out, Refresh Now, Switch Profile, Show Log. Never a token. It follows changes while open.
 */
export class StatusView implements vscode.Disposable {
  private picker: vscode.QuickPick<Item> | undefined;
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly backend: CredentialBackend, private readonly terminalsEnabled: () => boolean) {
    const refresh = (): void => void this.refreshItems();
    this.disposables = [backend.watcher.onDidTransition(refresh), backend.onDidChangeActivity(refresh), backend.onDidChangeMode(refresh)];
  }

  async show(): Promise<void> {
    this.picker?.dispose();
    const picker = vscode.window.createQuickPick<Item>();
    this.picker = picker;
    picker.title = vscode.l10n.t({ message: 'credshare: profile "{0}"', args: [this.backend.profileName()], comment: ['{0} is a credshare profile name'] });
    picker.placeholder = vscode.l10n.t('Choose an action, or read the status');
    picker.matchOnDescription = true;
    picker.onDidAccept(() => {
      const command = picker.selectedItems[0]?.command;
      if (!command) return; // An information row: stay open.
      picker.hide();
      void vscode.commands.executeCommand(command);
    });
    picker.onDidHide(() => {
      picker.dispose();
      if (this.picker === picker) this.picker = undefined;
    });
    await this.refreshItems();
    picker.show();
  }

  private async refreshItems(): Promise<void> {
    const picker = this.picker;
    if (!picker) return;
    picker.items = await this.items();
  }

  private async items(): Promise<Item[]> {
    const b = this.backend;
    const name = b.profileName();
    const profile = b.profile();
    const session = profile ? await b.peek().catch(() => undefined) : undefined;
    const rows: Item[] = [];
    const notSignedIn = `$(account) ${vscode.l10n.t('Not signed in')}`;
    if (!profile) {
      rows.push({ label: notSignedIn, detail: vscode.l10n.t({
        message: 'Profile "{0}" does not exist yet: Sign In creates it from the settings "credshare.issuer" and "credshare.clientId".',
        args: [name],
        comment: ['{0} is a credshare profile name. Sign In is a command: keep it as translated in the command title. The quoted names are settings: keep them.'],
      }) });
    } else if (!session) {
      rows.push({ label: notSignedIn, description: profile.issuer });
      const refusal = currentRefusal(b);
      if (refusal) rows.push(refusalRow(refusal));
    } else {
      rows.push({ label: `$(account) ${session.account.label || session.account.id}`, description: session.account.id,
        detail: vscode.l10n.t({ message: 'Signed in at {0}', args: [profile.issuer], comment: ['{0} is the identity provider\'s URL.'] }) });
      rows.push(tokenRow(session));
      for (const [scopes, token] of Object.entries((session.tokens ?? {}) as ScopedTokens)) {
        if (typeof token?.expiresAt === 'number') rows.push({ ...tokenRow({ expiresAt: token.expiresAt }, scopes), description: token.scope });
      }
    }
    const last = profile ? b.storeMode.parts.record.read(name) : undefined;
    if (last) rows.push(lastRefreshRow(last));
    const activity = b.activity;
    if (activity.kind === 'refreshing') rows.push({ label: `$(sync~spin) ${vscode.l10n.t('Refreshing the access token now')}` });
    if (activity.kind === 'error') rows.push({ label: `$(warning) ${vscode.l10n.t('The last request failed')}`, detail: activity.message, command: 'credshare.showLog' });
    rows.push({
      label: `$(database) ${b.storeMode.kind === 'shared' ? vscode.l10n.t('Shared store') : vscode.l10n.t('VS Code SecretStorage')}`,
      description: b.storeMode.kind === 'shared' ? b.paths.credentials : undefined,
      detail: b.fallback
        ? vscode.l10n.t({
          message: 'SecretStorage is not shared between the windows of this VS Code ({0}), so credshare uses the shared store.',
          args: [b.fallback],
          comment: ['{0} says how credshare found out, in English. SecretStorage is the VS Code API that keeps secrets in the OS keychain: keep the name.'],
        })
        : b.storeChoice.reason === 'remote' ? remoteStoreNote(b.storeChoice.where)
        : this.terminalsEnabled() ? vscode.l10n.t('Terminals get `credshare` on PATH and this profile.') : vscode.l10n.t('Terminal integration is off (credshare.terminal.enabled).'),
    });
    rows.push({ label: vscode.l10n.t('Available actions'), kind: vscode.QuickPickItemKind.Separator });
    if (session) rows.push({ label: `$(sign-out) ${vscode.l10n.t('Sign Out')}`, description: vscode.l10n.t('Signs out in every window and terminal.'), command: 'credshare.signOut' });
    else rows.push({ label: `$(sign-in) ${vscode.l10n.t('Sign In')}`, command: 'credshare.signIn' });
    if (session) rows.push({ label: `$(refresh) ${vscode.l10n.t('Refresh Now')}`, description: vscode.l10n.t('Gets a new access token for every window and terminal.'), command: 'credshare.refreshNow' });
    rows.push({ label: `$(arrow-swap) ${vscode.l10n.t('Switch Profile')}`, description: name, command: 'credshare.switchProfile' });
    rows.push({ label: `$(output) ${vscode.l10n.t('Show Log')}`, command: 'credshare.showLog' });
    return rows;
  }

  dispose(): void {
    this.picker?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
