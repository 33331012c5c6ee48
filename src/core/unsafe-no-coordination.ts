import { InvalidGrantError, SignInRequiredError } from './errors';
import type { CoordinatorParts, SessionRequest } from './coordinator';
import { isFresh, sessionAfterRefresh, type Session } from './session';

/**
 * UNSAFE, FOR DEMONSTRATIONS ONLY (`npm start`, `npm run bench`): the refresh as a tool
 * without credshare's coordination does it, so the demo can race the same CLI code path
 * with and without coordination. Every caller that finds the access token stale redeems
 * the refresh token it read: no lock, no single-flight, no re-read, no invalid_grant
 * recovery, and the last writer wins. Against an issuer that rotates refresh tokens and
 * detects reuse, the second redemption revokes the whole session. The CLI uses this only
 * when `CREDSHARE_UNSAFE_NO_COORDINATION=1`; nothing else ever constructs it.
 */
export class UnsafeUncoordinatedRefresh {
  constructor(private readonly parts: Pick<CoordinatorParts, 'store' | 'refresher' | 'timings'>) {}

  async getSession(request: SessionRequest): Promise<Session> {
    const { store, refresher, timings } = this.parts;
    const { profile } = request;
    const session = await store.read(profile.name);
    if (!session) throw new SignInRequiredError(`Not signed in to profile "${profile.name}" (no session in ${store.location}).`);
    const tolerance = request.minValiditySeconds ?? profile.refreshToleranceSeconds;
    if (isFresh(session, tolerance) && session.accessToken !== request.rejectedAccessToken) return session;
    let tokens;
    const requestedAt = Date.now();
    try {
      tokens = await refresher(profile, session.refreshToken, timings.requestTimeoutMs);
    } catch (error) {
      if (error instanceof InvalidGrantError) {
        throw new SignInRequiredError(`Signed out: ${profile.issuer} revoked the session (invalid_grant) while refreshing without coordination.`, { cause: error });
      }
      throw error;
    }
    const next = sessionAfterRefresh(session, tokens, tokens.requestedAt ?? requestedAt);
    await store.update(profile.name, () => next); // no compare-and-set: the last writer wins
    return next;
  }
}
