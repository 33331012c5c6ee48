import * as vscode from 'vscode';
import type { DeviceCodePrompt } from '../core/oauth/device-code';
import { openableVerificationUri } from './sign-in-choice';

/**
 * The device-code sign-in as VS Code's GitHub provider shows it: a modal with the code
 * and "Copy & Open" (copies the code, opens the issuer's page), then a progress
 * notification that keeps the code and the page in sight until the sign-in ends or the
 * user cancels it. Dismissing the modal or cancelling the notification aborts the
 * sign-in, which stops the polling.
 */
export class DeviceCodeUi {
  private progressDone: (() => void) | undefined;

  constructor(
    private readonly issuerHost: string,
    private readonly abort: AbortController,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** For the core's `showCode`: resolves once the user took the code; throws (and aborts) if they did not. */
  async show(prompt: DeviceCodePrompt): Promise<void> {
    const page = openableVerificationUri(prompt);
    this.log.info(`device sign-in: enter the code at ${prompt.verificationUri} (valid ${prompt.expiresInSeconds}s)`);
    if (!page) this.log.warn(`not opening the verification page: ${prompt.verificationUri} is not an http(s) URL`);
    const copyAndOpen = vscode.l10n.t({ message: 'Copy & Open', comment: ['A button: copies the one-time code and opens the sign-in page.'] });
    const copy = vscode.l10n.t({ message: 'Copy', comment: ['A button: copies the one-time code.'] });
    const choice = await vscode.window.showInformationMessage(
      vscode.l10n.t({ message: 'Your code: {0}', args: [prompt.userCode], comment: ['{0} is a one-time code such as WDJB-MJHT'] }),
      {
        modal: true,
        detail: page
          ? vscode.l10n.t({ message: 'To finish signing in to {0}, open {1} and enter this one-time code.', args: [this.issuerHost, prompt.verificationUri], comment: ['{0} is a host name, {1} the page where the code goes'] })
          : vscode.l10n.t({ message: 'To finish signing in to {0}, enter this one-time code at {1}. credshare does not open that address: it is not a web page.', args: [this.issuerHost, prompt.verificationUri], comment: ['{0} is a host name, {1} the verification address the issuer sent (not a web page)'] }),
      },
      page ? copyAndOpen : copy);
    if (choice === undefined) {
      this.abort.abort();
      throw new vscode.CancellationError();
    }
    try {
      await vscode.env.clipboard.writeText(prompt.userCode);
    } catch (error) {
      this.log.warn(`cannot copy the code to the clipboard: ${(error as Error).message}`);
    }
    // The issuer's own page: never through asExternalUri, which is for this host's ports.
    if (page && !(await vscode.env.openExternal(vscode.Uri.parse(page, true)))) this.log.warn('the browser could not be opened for the sign-in');
    this.showProgress(prompt);
  }

  /** Ends the progress notification (the sign-in is over, whichever way). */
  end(): void {
    this.progressDone?.();
    this.progressDone = undefined;
  }

  private showProgress(prompt: DeviceCodePrompt): void {
    const over = new Promise<void>((resolve) => { this.progressDone = resolve; });
    void vscode.window.withProgress({
      location: vscode.ProgressLocation.Notification,
      cancellable: true,
      title: vscode.l10n.t({
        message: 'Signing in to {0}: enter the code {1} at {2}',
        args: [this.issuerHost, prompt.userCode, prompt.verificationUri],
        comment: ['{0} is a host name, {1} a one-time code, {2} the page where it goes'],
      }),
    }, async (_progress, token) => {
      const cancel = token.onCancellationRequested(() => this.abort.abort());
      try {
        await over;
      } finally {
        cancel.dispose();
      }
    });
  }
}
