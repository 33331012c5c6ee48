import * as vscode from 'vscode';
import { formatDuration } from '../core/format';
import type { RefreshOutcome } from '../core/refresh-record';
import { refusalInRecord, sessionRefusal, type SessionRefusal } from '../core/refused-session';
import type { CredentialBackend } from './backend';
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

/**
 * Why the active profile is signed out, when the issuer refused its session (any window or
 * process may have seen it): the shared store's file dates it; SecretStorage trusts the record.
 */
export function currentRefusal(backend: Pick<CredentialBackend, 'storeMode' | 'paths' | 'profileName'>): SessionRefusal | undefined {
  const name = backend.profileName();
  return backend.storeMode.kind === 'shared' ? sessionRefusal(backend.paths, name) : refusalInRecord(backend.storeMode.parts.record.read(name));
}

/** The status view's row for a refused session: what happened, its likely cause, what to do. */
export function refusalRow(refusal: SessionRefusal): StatusItem {
  const ago = formatDuration((Date.now() - refusal.at) / 1000);
  if (refusal.cause === 'reused-rotated-token') {
    return {
      label: `$(warning) ${vscode.l10n.t({ message: 'Session lost {0} ago: the issuer refused a refresh token it had already rotated', args: [ago], comment: ['{0} is a duration such as 4m 12s.'] })}`,
      description: new Date(refusal.at).toLocaleString(),
      detail: lostRotationDetail(refusal),
      command: 'credshare.signIn',
    };
  }
  return {
    label: `$(warning) ${vscode.l10n.t({ message: 'Signed out {0} ago: the issuer refused the session', args: [ago], comment: ['{0} is a duration such as 4m 12s.'] })}`,
    description: new Date(refusal.at).toLocaleString(),
    detail: vscode.l10n.t({ message: '{0}. Sign in again.', args: [refusal.reason], comment: ['{0} is what the issuer answered, in English, as credshare recorded it (it names the token endpoint and the OAuth error).'] }),
    command: 'credshare.signIn',
  };
}

/** The likely cause of a lost rotation and what to do (status view, status bar tooltip, log). */
export function lostRotationDetail(refusal: Pick<SessionRefusal, 'lostBy'>): string {
  const who = refusal.lostBy ? `${refusal.lostBy.pid}${refusal.lostBy.command ? ` (${refusal.lostBy.command})` : ''}` : '?';
  return vscode.l10n.t({
    message: 'Likely cause: a credshare process or VS Code window (process {0}) was stopped while it was refreshing, after the issuer had rotated the token and before the new one was stored. Sign in again.',
    args: [who],
    comment: ['{0} is a process id, maybe followed by what it was, e.g. "4242 (VS Code window)". "rotated" means the issuer replaced the refresh token with a new one.'],
  });
}

/** The status bar's tooltip for a refused session. */
export function refusalTooltip(profile: string, refusal: SessionRefusal): string {
  if (refusal.cause === 'reused-rotated-token') {
    return vscode.l10n.t({
      message: 'credshare: the session of profile "{0}" was lost: the issuer refused a refresh token it had already rotated.\n{1}\nClick for the status and to sign in.',
      args: [profile, lostRotationDetail(refusal)],
      comment: ['{0} is a credshare profile name, {1} the likely cause and what to do, whole sentences.'],
    });
  }
  return vscode.l10n.t({
    message: 'credshare: the issuer refused the session of profile "{0}": {1}.\nClick for the status and to sign in again.',
    args: [profile, refusal.reason],
    comment: ['{0} is a credshare profile name, {1} what the issuer answered, in English, as credshare recorded it.'],
  });
}
