import * as fs from 'node:fs';
import type { HomePaths } from './paths';
import { RefreshRecord } from './refresh-record';

/** Why a profile has no session, when the issuer refused it; for `status` and `doctor`. */
export interface SessionRefusal {
  /** When the refresh was refused and the session removed (epoch ms). */
  at: number;
  /** The coordinator's words, e.g. "http://.../token refused the refresh token (HTTP 400 with an empty body), so the session was removed". No secrets. */
  reason: string;
}

/**
 * The refusal that ended the profile's session, from refresh-state.json, if that is still
 * the last thing that happened to the credentials: a sign-in or sign-out since rewrites
 * credentials.json after the record, and then the refusal is old news. Call only when the
 * store holds no session for the profile.
 */
export function sessionRefusal(paths: HomePaths, profileName: string): SessionRefusal | undefined {
  const last = new RefreshRecord(paths.home).read(profileName);
  if (last?.outcome !== 'signed-out' || !last.message) return undefined;
  let changed: number;
  try {
    changed = fs.statSync(paths.credentials).mtimeMs;
  } catch {
    return undefined;
  }
  // The coordinator removes the session, then writes the record: a later change is someone else's.
  // (A few ms of slack: the file system may stamp with a finer or coarser clock than Date.now.)
  return changed <= last.at + 50 ? { at: last.at, reason: last.message } : undefined;
}
