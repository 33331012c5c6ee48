import { ClientRejectedError, RefreshFailedError, SignInRequiredError } from './errors';
import { formatDuration } from './format';
import { loginCommand } from './profile';
import type { ClaimHolder, RefreshOutcome, RefreshRecord, TokenClaim } from './refresh-record';
import { RECORDED_REMOVAL_SLACK_MS } from './refused-session';

// How the coordinator records a refused or failed refresh in refresh-state.json, and how
// every other process (the ones that waited, the next caller, status, doctor, the
// extension) turns that record back into the refresher's own error. The decision itself
// is the refusal table's (oauth/refusal-table.ts); this file only carries it.

/** The refresh-state.json fields for a refresh that failed without ending the session. */
export function failureFields(error: unknown): Pick<RefreshOutcome, 'kind' | 'refusal'> {
  const refusal = (error as { refusal?: unknown } | undefined)?.refusal;
  return {
    kind: error instanceof ClientRejectedError ? 'client' : 'transient',
    ...(typeof refusal === 'string' ? { refusal } : {}),
  };
}

/**
 * After the issuer refused the client (refusal-table.ts, class `client`): a person must
 * change something (the secret, the registration), and repeated failed client
 * authentication is what issuers rate-limit or lock out. A new sign-in is not held back:
 * its refresh token is another one. 0 for any other failure.
 */
export function clientCoolDownMs(error: unknown): number {
  return error instanceof ClientRejectedError ? 60_000 : 0;
}

/** The refresh-state.json outcome of a refused token: the refresher's words, the table's row, the likely cause if known. */
export function signedOutOutcome(refusal: Error, presented: string, lost: ClaimHolder | undefined): Omit<RefreshOutcome, 'spent' | 'shapes' | 'at'> & { message: string } {
  const { refusal: row } = failureFields(refusal);
  return {
    outcome: 'signed-out', presented,
    message: `${refusal.message}, so the session was removed${lost ? `. ${lostRotationWords(lost)}` : ''}`,
    ...(row ? { refusal: row } : {}),
    ...(lost ? { cause: 'reused-rotated-token' as const, lostBy: lost } : {}),
  };
}

/** The error a process reports for another process's recorded failure: same class, same message, same exit code. */
export function errorFromRecord(outcome: RefreshOutcome): Error {
  const message = outcome.message ?? 'Another credshare process failed to refresh this session just now; try again shortly.';
  return outcome.kind === 'client' ? new ClientRejectedError(message) : new RefreshFailedError(message);
}

/**
 * A refused token that a dead process had claimed, with no outcome recorded for it since:
 * that process most likely sent it, the issuer rotated it, and the answer died with the
 * process, so this refusal was the issuer seeing a rotated token again. Undefined when the
 * claim was not taken over, or the dead process got as far as recording an outcome.
 */
export function lostRotation(claim: TokenClaim, presented: string, record: RefreshRecord, profile: string): ClaimHolder | undefined {
  const holder = claim.takenOverFrom;
  if (!holder) return undefined;
  const last = record.read(profile);
  const recordedSince = last?.presented === presented && (holder.at === undefined || last.at >= holder.at);
  return recordedSince ? undefined : holder;
}

/** The sentences that explain a lost rotation (CLI, log, status, doctor; the extension translates its own). */
export function lostRotationWords(holder: ClaimHolder, now = Date.now()): string {
  const who = `credshare process ${holder.pid}${holder.command ? ` (${holder.command})` : ''}`;
  const when = holder.at !== undefined ? ` ${formatDuration(Math.max(0, now - holder.at) / 1000)} ago` : '';
  return `This was probably a reuse of a refresh token the issuer had already rotated: ${who} claimed it${when} to refresh it `
    + 'and ended before it stored the answer, so the new refresh token was lost with it. '
    + 'Likely cause: a credshare process or VS Code window was stopped (killed, or its extension host ended) while refreshing';
}

/** The error of a session the issuer refused: its words, why if known, and the command to run. */
export function signedOutError(profileName: string, why: string, cause?: unknown): SignInRequiredError {
  return new SignInRequiredError(`Signed out: ${why}. Sign in again: run \`${loginCommand(profileName)}\`.`, cause === undefined ? undefined : { cause });
}

/**
 * What a process that finds no session should say, when the record shows the issuer
 * refused the session at or after `since` (this caller saw it signed in then): the
 * refusal, never a bare "not signed in".
 */
export function refusalSince(record: RefreshRecord, profileName: string, since: number): SignInRequiredError | undefined {
  const last = record.read(profileName);
  // A little slack: the holder records the refusal just before it removes the session, and
  // again right after; a caller that started in between saw the session and then lost it.
  if (last?.outcome !== 'signed-out' || !last.message || last.at < since - RECORDED_REMOVAL_SLACK_MS) return undefined;
  return signedOutError(profileName, last.message);
}
