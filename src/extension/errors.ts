import * as vscode from 'vscode';
import { CredshareError } from '../core/errors';
import { SignInCancelledError } from '../core/oauth/errors';

/**
 * A message fit for a user. credshare's own errors already say what to do next; anything
 * else is reduced to its first line (a foreign error could quote a request) plus a pointer.
 */
export function userMessage(error: unknown): string {
  if (error instanceof CredshareError) return forEditor(error.message);
  const first = String((error as Error)?.message ?? error).split('\n')[0];
  return vscode.l10n.t({
    message: '{0} Try again; if it keeps failing, the log has the details.',
    args: [first],
    comment: ['{0} is an error message, untranslated (it comes from the system or a server); it ends a sentence of its own.'],
  });
}

/** True when the user (or VS Code) cancelled: nothing to report. */
export function isCancellation(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  return name === 'AbortError' || error instanceof vscode.CancellationError || error instanceof SignInCancelledError || (error as Error)?.message === 'Cancelled';
}

/**
 * Logs the error and shows it with a "Show Log" button. `failure` makes the whole message
 * from the reason (one translatable sentence per action, never two glued together).
 */
export async function reportError(log: vscode.LogOutputChannel, failure: (reason: string) => string, error: unknown): Promise<void> {
  const text = failure(userMessage(error));
  log.error(text);
  const showLog = vscode.l10n.t('Show Log');
  const choice = await vscode.window.showErrorMessage(text, showLog);
  if (choice === showLog) log.show();
}

/**
 * Core messages are written for the CLI ("run `credshare login` again"); in the editor the
 * same advice is the Sign In command, and the device flow is a setting, not a flag.
 */
export function forEditor(message: string): string {
  return message
    .replace(/`credshare login --device`/g, vscode.l10n.t({
      message: 'the device-code flow (setting "credshare.signIn.flow")',
      comment: ['Replaces the CLI command "credshare login --device" inside an English message from credshare\'s core, so it stays lower case and mid-sentence. Keep the setting name credshare.signIn.flow.'],
    }))
    .replace(/`credshare login[^`]*`/g, vscode.l10n.t({
      message: '"credshare: Sign In"',
      comment: ['The title of the Sign In command as the Command Palette shows it (category "credshare", command "Sign In"); it replaces a CLI command inside an English message from credshare\'s core.'],
    }));
}
