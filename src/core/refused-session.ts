import * as fs from 'node:fs';
import { formatDuration } from './format';
import type { HomePaths } from './paths';
import { loginCommand } from './profile';
import { RefreshRecord, type RefreshOutcome } from './refresh-record';
import { fingerprint, type Session } from './session';

/** Why a profile has no session, when the issuer refused it; for `status`, `doctor` and the extension. */
export interface SessionRefusal {
  /** When the refresh was refused and the session removed (epoch ms). */
  at: number;
  /** The coordinator's words, e.g. "http://.../token refused the refresh token (HTTP 400 with an empty body), so the session was removed". No secrets. */
  reason: string;
  /** Set when credshare can tell why the issuer refused (refresh-record.ts). */
  cause?: RefreshOutcome['cause'];
  lostBy?: RefreshOutcome['lostBy'];
}

/**
 * The refusal that ended the profile's session, from refresh-state.json, if that is still
 * the last thing that happened to the credentials: a sign-in or sign-out since rewrites
 * credentials.json after the record, and then the refusal is old news. Call only when the
 * store holds no session for the profile.
 */
export function sessionRefusal(paths: HomePaths, profileName: string): SessionRefusal | undefined {
  let changed: number;
  try {
    changed = fs.statSync(paths.credentials).mtimeMs;
  } catch {
    return undefined;
  }
  return refusalInRecord(new RefreshRecord(paths.home).read(profileName), changed);
}

/**
 * The same from a record already read. `storeChangedMs`: when the store last changed, where
 * that is known (the file store); a store without that (VS Code SecretStorage) trusts the record.
 */
export const RECORDED_REMOVAL_SLACK_MS = 2000;

export function refusalInRecord(last: RefreshOutcome | undefined, storeChangedMs?: number): SessionRefusal | undefined {
  if (last?.outcome !== 'signed-out' || !last.message) return undefined;
  // The coordinator records the refusal, removes the session, then records it again: a
  // change of the store after that is someone else's (a sign-in, a sign-out). The slack
  // covers a reader between the removal and the second record (a loaded machine may take a
  // while), and file-system clocks; a person cannot sign in and out again within it.
  if (storeChangedMs !== undefined && storeChangedMs > last.at + RECORDED_REMOVAL_SLACK_MS) return undefined;
  return { at: last.at, reason: last.message, ...(last.cause ? { cause: last.cause } : {}), ...(last.lostBy ? { lostBy: last.lostBy } : {}) };
}

/** The last refresh of the session's current refresh token failed: how, for `status`, `doctor` and the extension. */
export interface RefreshProblem {
  at: number;
  /** The refresher's message (the issuer's words, redacted, and what to do). */
  reason: string;
  /** The refusal table's class: the client was refused (fix settings), or the issuer could not answer (try later). */
  kind: 'client' | 'transient';
}

/**
 * Whether the last refresh of the session's current refresh token failed, from
 * refresh-state.json (any process's). A refresh since, or a new sign-in, makes it moot.
 */
export function refreshProblem(last: RefreshOutcome | undefined, session: Pick<Session, 'refreshToken'>): RefreshProblem | undefined {
  if (last?.outcome !== 'failed' || !last.message || !session.refreshToken || last.presented !== fingerprint(session.refreshToken)) return undefined;
  return { at: last.at, reason: last.message, kind: last.kind ?? 'transient' };
}

/** What `credshare token` and `status` say of a session the issuer refused: when, its words, and the command to run. */
export function signedOutSentence(profileName: string, refused: SessionRefusal, now = Date.now()): string {
  return `Signed out ${formatDuration((now - refused.at) / 1000)} ago: ${refused.reason}. Sign in again: run \`${loginCommand(profileName)}\`.`;
}
