import * as vscode from 'vscode';
import { formatDuration } from '../core/format';
import type { RefreshOutcome } from '../core/refresh-record';
import type { Session } from '../core/session';

/** A row of the status quick pick; `command` runs when it is chosen. */
export type StatusItem = vscode.QuickPickItem & { command?: string };

/**
 * The status view's rows that carry figures, each one whole translatable sentence per case
 * (the grant's token or a scope set's, valid or expired; each refresh outcome), so that no
 * translated word is glued into another translated sentence.
 */
export function tokenRow(token: Pick<Session, 'expiresAt'>, scopes?: string): StatusItem {
  const left = token.expiresAt - Date.now();
  const until = new Date(token.expiresAt).toLocaleTimeString();
  if (left > 0) {
    const duration = formatDuration(left / 1000);
    return {
      label: '$(pass) ' + (scopes === undefined
        ? vscode.l10n.t({ message: 'Access token valid for {0}', args: [duration], comment: ['{0} is a duration such as 4m 12s.'] })
        : vscode.l10n.t({ message: 'Token for scopes {0} valid for {1}', args: [scopes, duration], comment: ['{0} is a list of OAuth scopes such as "openid profile" (keep as is), {1} a duration such as 4m 12s.'] })),
      description: vscode.l10n.t({ message: 'Valid until {0}', args: [until], comment: ['{0} is a time of day in the user\'s locale.'] }),
    };
  }
  const ago = formatDuration(-left / 1000);
  return {
    label: '$(clock) ' + (scopes === undefined
      ? vscode.l10n.t({ message: 'Access token expired {0} ago', args: [ago], comment: ['{0} is a duration such as 4m 12s.'] })
      : vscode.l10n.t({ message: 'Token for scopes {0} expired {1} ago', args: [scopes, ago], comment: ['{0} is a list of OAuth scopes such as "openid profile" (keep as is), {1} a duration such as 4m 12s.'] })),
    description: vscode.l10n.t('The next request for it refreshes it.'),
  };
}

/** The last refresh by any window or process, as the record beside the lock has it. */
export function lastRefreshRow(last: Pick<RefreshOutcome, 'outcome' | 'at' | 'message'>): StatusItem {
  const ago = formatDuration((Date.now() - last.at) / 1000);
  const label = last.outcome === 'refreshed' ? vscode.l10n.t({ message: 'Last refresh {0} ago: a new access token', args: [ago], comment: ['{0} is a duration such as 4m 12s. Any window, terminal or build tool may have made the request.'] })
    : last.outcome === 'failed' ? vscode.l10n.t({ message: 'Last refresh {0} ago: it failed', args: [ago], comment: ['{0} is a duration such as 4m 12s. Any window, terminal or build tool may have made the request.'] })
      : vscode.l10n.t({ message: 'Last refresh {0} ago: the session ended, sign in again', args: [ago], comment: ['{0} is a duration such as 4m 12s. Any window, terminal or build tool may have made the request.'] });
  return { label: `$(history) ${label}`, description: new Date(last.at).toLocaleString(), detail: last.message };
}
