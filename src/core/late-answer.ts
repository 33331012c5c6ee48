import { RefreshFailedError } from './errors';
import { formatDuration } from './format';
import type { Profile } from './profile';
import { lifetimeOf, refreshMarginSeconds } from './refresh-margin';
import { isFresh, type Session } from './session';

/**
 * A refresh answer that arrives late: the issuer answered at once, but the answer reached
 * credshare long after (a laptop that slept with it in its socket, a process stopped or
 * starved, a proxy that held it). Its token's expiry is dated from the request
 * (token-expiry.ts), so by the time it is read the token may be within the margin, or
 * expired already. Handing it out as valid would give callers a token the issuer refuses.
 *
 * What the coordinator does, still holding the lock: the answer is persisted first as
 * always (its rotated refresh token is the session now; losing it would sign the user
 * out), then ONE more refresh with that new refresh token. A second late answer is not
 * chased further (no loop against an issuer or a network that is always that slow): its
 * token is handed out if it has not expired, else the call fails with the credentials kept.
 */

/** What the coordinator wants of a session (its `Want`). */
export interface Wanted {
  profile: Profile;
  toleranceSeconds: number;
  rejectedAccessToken?: string;
}

/** True when `result`, a session a refresh under the lock produced, is not usable for the caller: one more refresh is due. */
export function answeredLate(result: Session | object, want: Wanted, log: (message: string) => void): result is Session {
  if (!isSession(result) || usable(result, want)) return false;
  log(`the refreshed access token ${describeLeft(result)}, within the margin (${marginOf(result, want)}s): the answer came late `
    + '(a slow issuer or network, or a process or machine suspended while it waited); refreshing once more with the refresh token it brought');
  return true;
}

/**
 * The session to hand out after at most one extra refresh: a usable one as it is; one that
 * is short of the margin but not expired with a note in the log; an expired one never.
 */
export function notExpired(result: Session, want: Wanted, log: (message: string) => void, now = Date.now()): Session {
  if (usable(result, want, now)) return result;
  if (result.accessToken !== '' && result.expiresAt > now) {
    log(`handing out an access token that ${describeLeft(result, now)}, less than the margin (${marginOf(result, want)}s): the issuer's answers keep arriving late`);
    return result;
  }
  const lifetime = lifetimeOf(result);
  throw new RefreshFailedError(`${want.profile.issuer} answered twice in a row only after the new access token had expired`
    + `${lifetime === undefined ? '' : ` (its tokens live ${formatDuration(lifetime)})`}, so there is no valid token to hand out. `
    + 'The new tokens are stored and your credentials are kept. Check the network to the issuer (or what keeps this process from running), then try again.');
}

function usable(session: Session, want: Wanted, now = Date.now()): boolean {
  return isFresh(session, want.toleranceSeconds, now) && session.accessToken !== want.rejectedAccessToken;
}

function marginOf(session: Session, want: Wanted): number {
  return Math.round(refreshMarginSeconds(want.toleranceSeconds, lifetimeOf(session)));
}

function describeLeft(session: Session, now = Date.now()): string {
  const left = (session.expiresAt - now) / 1000;
  return left > 0 ? `expires in ${formatDuration(left)}` : `expired ${formatDuration(-left)} ago`;
}

function isSession(value: object): value is Session {
  return typeof (value as Session).accessToken === 'string' && typeof (value as Session).expiresAt === 'number';
}
