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
    this.disposables = [
      this.register('credshare.signIn', (reason) => vscode.l10n.t({ message: 'Sign-in failed: {0}', args: [reason], comment: ['{0} is the reason: one or more whole sentences.'] }), () => this.signIn()),
      this.register('credshare.signOut', (reason) => vscode.l10n.t({ message: 'Sign-out failed: {0}', args: [reason], comment: ['{0} is the reason: one or more whole sentences.'] }), () => this.signOut()),
      this.register('credshare.refreshNow', (reason) => vscode.l10n.t({ message: 'Refreshing the access token failed: {0}', args: [reason], comment: ['{0} is the reason: one or more whole sentences.'] }), () => this.refreshNow()),
      this.register('credshare.showStatus', (reason) => vscode.l10n.t({ message: 'Cannot show the status: {0}', args: [reason], comment: ['{0} is the reason: one or more whole sentences.'] }), () => this.statusView.show()),
      this.register('credshare.showLog', (reason) => vscode.l10n.t({ message: 'Cannot show the log: {0}', args: [reason], comment: ['{0} is the reason: one or more whole sentences.'] }), async () => this.log.show()),
      this.register('credshare.switchProfile', (reason) => vscode.l10n.t({ message: 'Cannot switch the profile: {0}', args: [reason], comment: ['{0} is the reason: one or more whole sentences.'] }), () => this.switchProfile()),
      this.register('credshare.walkthrough.tryTerminal', (reason) => vscode.l10n.t({ message: 'Cannot open a terminal: {0}', args: [reason], comment: ['{0} is the reason: one or more whole sentences.'] }), async () => this.tryTerminal()),
    ];
  }

  private register(id: string, failure: (reason: string) => string, run: () => Promise<unknown>): vscode.Disposable {
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
        vscode.l10n.t({
          message: 'Already signed in to profile "{0}" as {1}.',
          args: [this.backend.profileName(), current.account.label],
          comment: ['{0} is a credshare profile name, {1} an account (a user name or email address).'],
        }), again);
      if (choice !== again) return;
    }
    const { session } = await this.signInFlow.run([]);
    void vscode.window.showInformationMessage(vscode.l10n.t({
      message: 'Signed in as {0}: every window, terminal and credential helper uses this sign-in now.',
      args: [session.account.label || session.account.id],
      comment: ['{0} is an account (a user name or email address). A credential helper is a program that build tools such as git or docker ask for a token.'],
    }));
  }

  private async signOut(): Promise<void> {
    const removed = await this.backend.signOut();
    void vscode.window.showInformationMessage(removed
      ? vscode.l10n.t({ message: 'Signed out of profile "{0}" in every window and terminal.', args: [this.backend.profileName()], comment: ['{0} is a credshare profile name.'] })
      : vscode.l10n.t({ message: 'Profile "{0}" was not signed in.', args: [this.backend.profileName()], comment: ['{0} is a credshare profile name.'] }));
  }

  private async refreshNow(): Promise<void> {
    const session = await this.backend.getSession({ force: true });
    void vscode.window.setStatusBarMessage(vscode.l10n.t({
      message: 'credshare: the access token was refreshed and is valid until {0}.',
      args: [new Date(session.expiresAt).toLocaleTimeString()],
      comment: ['Shown briefly in the status bar. {0} is a time of day in the user\'s locale.'],
    }), 5000);
  }

  private async switchProfile(): Promise<void> {
    const config = this.backend.config();
    const active = this.backend.profileName(config);
    type Item = vscode.QuickPickItem & { name: string };
    const items: Item[] = Object.values(config.profiles).map((p) => ({
      name: p.name, label: p.name, description: p.issuer, detail: p.name === active ? vscode.l10n.t('This VS Code uses this profile now.') : undefined,
    }));
    items.push({
      name: '',
      label: vscode.l10n.t('Default profile'),
      description: vscode.l10n.t({
        message: 'CREDSHARE_PROFILE if set, else the default profile of config.json ({0})',
        args: [config.defaultProfile],
        comment: ['CREDSHARE_PROFILE is an environment variable and config.json a file name: keep both. {0} is a profile name.'],
      }),
    });
    const picked = await vscode.window.showQuickPick(items, {
      placeHolder: vscode.l10n.t({ message: 'Choose the profile for this VS Code (now "{0}")', args: [active], comment: ['{0} is the credshare profile in use.'] }),
    });
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
