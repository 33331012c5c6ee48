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
  return vscode.l10n.t('{0} Try again; if it keeps failing, the log has the details.', first);
}

/** True when the user (or VS Code) cancelled: nothing to report. */
export function isCancellation(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  return name === 'AbortError' || error instanceof vscode.CancellationError || error instanceof SignInCancelledError || (error as Error)?.message === 'Cancelled';
}

/** Logs the error and shows it with a "Show Log" button. */
export async function reportError(log: vscode.LogOutputChannel, what: string, error: unknown): Promise<void> {
  const message = userMessage(error);
  log.error(`${what}: ${message}`);
  const showLog = vscode.l10n.t('Show Log');
  const choice = await vscode.window.showErrorMessage(`${what}: ${message}`, showLog);
  if (choice === showLog) log.show();
}

/**
 * Core messages are written for the CLI ("run `credshare login` again"); in the editor the
 * same advice is the Sign In command, and the device flow is a setting, not a flag.
 */
export function forEditor(message: string): string {
  return message
    .replace(/`credshare login --device`/g, vscode.l10n.t('the device-code flow (setting "credshare.signIn.flow")'))
    .replace(/`credshare login[^`]*`/g, vscode.l10n.t('"credshare: Sign In"'));
}
