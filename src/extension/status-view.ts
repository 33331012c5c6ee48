import * as vscode from 'vscode';
import { formatDuration } from '../core/format';
import type { Session } from '../core/session';
import type { CredentialBackend } from './backend';

type Item = vscode.QuickPickItem & { command?: string };

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
    picker.title = vscode.l10n.t({ message: 'credshare: profile "{0}"', args: [this.backend.profileName()], comment: ['{0} is a profile name'] });
    picker.placeholder = vscode.l10n.t('Choose an action');
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
    const t = vscode.l10n.t;
    const b = this.backend;
    const name = b.profileName();
    const profile = b.profile();
    const session = profile ? await b.peek().catch(() => undefined) : undefined;
    const rows: Item[] = [];
    if (!profile) {
      rows.push({ label: `$(account) ${t('Not signed in')}`, detail: t('Profile "{0}" does not exist yet: Sign In creates it from the settings "credshare.issuer" and "credshare.clientId".', name) });
    } else if (!session) {
      rows.push({ label: `$(account) ${t('Not signed in')}`, description: profile.issuer });
    } else {
      rows.push({ label: `$(account) ${session.account.label || session.account.id}`, description: session.account.id, detail: t('Signed in at {0}', profile.issuer) });
      rows.push(tokenRow(session, t('Access token')));
      for (const [scopes, token] of Object.entries((session.tokens ?? {}) as ScopedTokens)) {
        if (typeof token?.expiresAt === 'number') rows.push({ ...tokenRow({ expiresAt: token.expiresAt }, t('Scopes {0}', scopes)), description: token.scope });
      }
    }
    const last = profile ? b.storeMode.parts.record.read(name) : undefined;
    if (last) {
      rows.push({
        label: `$(history) ${t({ message: 'Last refresh: {0}, {1} ago', args: [last.outcome, formatDuration((Date.now() - last.at) / 1000)], comment: ['{0} is refreshed, failed or signed-out; {1} a duration'] })}`,
        description: new Date(last.at).toLocaleString(),
        detail: last.message,
      });
    }
    const activity = b.activity;
    if (activity.kind === 'refreshing') rows.push({ label: `$(sync~spin) ${t('Refreshing now')}` });
    if (activity.kind === 'error') rows.push({ label: `$(warning) ${t('The last request failed')}`, detail: activity.message, command: 'credshare.showLog' });
    rows.push({
      label: `$(database) ${b.storeMode.kind === 'shared' ? t('Shared store') : t('VS Code SecretStorage')}`,
      description: b.storeMode.kind === 'shared' ? b.paths.credentials : undefined,
      detail: b.fallback
        ? t('SecretStorage is not shared between the windows of this VS Code ({0}), so credshare uses the shared store.', b.fallback)
        : this.terminalsEnabled() ? t('Terminals get `credshare` on PATH and this profile.') : t('Terminal integration is off (credshare.terminal.enabled).'),
    });
    rows.push({ label: t('Actions'), kind: vscode.QuickPickItemKind.Separator });
    if (session) rows.push({ label: `$(sign-out) ${t('Sign Out')}`, description: t('in every window and terminal'), command: 'credshare.signOut' });
    else rows.push({ label: `$(sign-in) ${t('Sign In')}`, command: 'credshare.signIn' });
    if (session) rows.push({ label: `$(refresh) ${t('Refresh Now')}`, description: t('a new access token for everyone'), command: 'credshare.refreshNow' });
    rows.push({ label: `$(arrow-swap) ${t('Switch Profile')}`, description: name, command: 'credshare.switchProfile' });
    rows.push({ label: `$(output) ${t('Show Log')}`, command: 'credshare.showLog' });
    return rows;
  }

  dispose(): void {
    this.picker?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function tokenRow(token: Pick<Session, 'expiresAt'>, what: string): Item {
  const t = vscode.l10n.t;
  const left = token.expiresAt - Date.now();
  return left > 0
    ? { label: `$(pass) ${t({ message: '{0}: valid for {1}', args: [what, formatDuration(left / 1000)], comment: ['{0} names a token, {1} is a duration'] })}`, description: t('until {0}', new Date(token.expiresAt).toLocaleTimeString()) }
    : { label: `$(clock) ${t({ message: '{0}: expired {1} ago', args: [what, formatDuration(-left / 1000)], comment: ['{0} names a token, {1} is a duration'] })}`, description: t('the next request refreshes it') };
}
