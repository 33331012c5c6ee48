import * as vscode from 'vscode';
import type { CredentialBackend } from './backend';
import { isCancellation, reportError } from './errors';
import type { Settings } from './settings';
import type { SignInFlow } from './sign-in';
import type { StatusView } from './status-view';

/** The palette commands, category "credshare". */
export class Commands implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly backend: CredentialBackend,
    private readonly settings: Settings,
    private readonly signInFlow: SignInFlow,
    private readonly statusView: StatusView,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const t = vscode.l10n.t;
    this.disposables = [
      this.register('credshare.signIn', t('Sign in failed'), () => this.signIn()),
      this.register('credshare.signOut', t('Sign out failed'), () => this.signOut()),
      this.register('credshare.refreshNow', t('Refresh failed'), () => this.refreshNow()),
      this.register('credshare.showStatus', t('Cannot show the status'), () => this.statusView.show()),
      this.register('credshare.showLog', t('Cannot show the log'), async () => this.log.show()),
      this.register('credshare.switchProfile', t('Cannot switch the profile'), () => this.switchProfile()),
      this.register('credshare.walkthrough.tryTerminal', t('Cannot open a terminal'), async () => this.tryTerminal()),
    ];
  }

  private register(id: string, failure: string, run: () => Promise<unknown>): vscode.Disposable {
    return vscode.commands.registerCommand(id, async () => {
      try {
        await run();
      } catch (error) {
        if (!isCancellation(error)) await reportError(this.log, failure, error);
      }
    });
  }

  private async signIn(): Promise<void> {
    const current = await this.backend.peek();
    if (current) {
      const again = vscode.l10n.t('Sign In Again');
      const choice = await vscode.window.showInformationMessage(
        vscode.l10n.t('Already signed in to profile "{0}" as {1}.', this.backend.profileName(), current.account.label), again);
      if (choice !== again) return;
    }
    const session = await this.signInFlow.run([]);
    void vscode.window.showInformationMessage(vscode.l10n.t('Signed in as {0}: every window, terminal and credential helper uses this sign-in now.', session.account.label || session.account.id));
  }

  private async signOut(): Promise<void> {
    const removed = await this.backend.signOut();
    void vscode.window.showInformationMessage(removed
      ? vscode.l10n.t('Signed out of profile "{0}" in every window and terminal.', this.backend.profileName())
      : vscode.l10n.t('Profile "{0}" was not signed in.', this.backend.profileName()));
  }

  private async refreshNow(): Promise<void> {
    const session = await this.backend.getSession({ force: true });
    void vscode.window.setStatusBarMessage(vscode.l10n.t('credshare: refreshed; valid until {0}', new Date(session.expiresAt).toLocaleTimeString()), 5000);
  }

  private async switchProfile(): Promise<void> {
    const config = this.backend.config();
    const active = this.backend.profileName(config);
    type Item = vscode.QuickPickItem & { name: string };
    const items: Item[] = Object.values(config.profiles).map((p) => ({
      name: p.name, label: p.name, description: p.issuer, detail: p.name === active ? vscode.l10n.t('active') : undefined,
    }));
    items.push({ name: '', label: vscode.l10n.t('Default profile'), description: vscode.l10n.t('CREDSHARE_PROFILE, else the default of config.json ({0})', config.defaultProfile) });
    const picked = await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('Profile for this VS Code (now "{0}")', active) });
    if (!picked) return;
    await this.settings.setProfile(picked.name);
    this.log.info(`profile switched to "${this.backend.profileName()}"`);
  }

  /** The walkthrough's step (hidden from the palette): a terminal that runs `credshare status`. */
  private tryTerminal(): void {
    const terminal = vscode.window.createTerminal({ name: 'credshare' });
    terminal.show();
    terminal.sendText('credshare status');
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
