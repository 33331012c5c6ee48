import type { TokenResponse } from './oauth/refresh-grant';
import { coversScopes, withScopedToken } from './scope-sets';
import { sessionAfterRefresh, type Session } from './session';
import { timingFromRequest } from './token-expiry';

/**
 * The session after a refresh for the narrower scope set `scope`, sent at `requestedAt`
 * (epoch ms), answered `tokens`. The rotated refresh token belongs to the grant and
 * replaces the old one; the new access token goes into the scope set's cache entry, dated
 * from the request; the grant's own access token, and every other set's, stay (rotation
 * retires refresh tokens, not access tokens).
 *
 * An issuer that answers with a wider scope than asked did not narrow: its token is
 * stored as the grant's, with the scopes it really carries, and the store records that
 * this issuer cannot narrow, so every set is served by the grant from then on.
 */
export function sessionAfterScopedRefresh(current: Session, tokens: TokenResponse, scope: string, requestedAt: number, now = Date.now()): Session {
  if (tokens.scope !== undefined && !coversScopes(scope, tokens.scope)) {
    return withNarrowingRefused(sessionAfterRefresh(current, tokens, requestedAt), `answered a refresh for scope "${scope}" with the wider scope "${tokens.scope}"`, now);
  }
  return {
    ...current,
    refreshToken: tokens.refreshToken ?? current.refreshToken,
    idToken: tokens.idToken ?? current.idToken,
    account: tokens.account ? { ...current.account, ...tokens.account, id: current.account.id } : current.account,
    // RFC 6749 §5.1: an answer without `scope` carries the scope asked for.
    tokens: withScopedToken(current, scope, { accessToken: tokens.accessToken, ...timingFromRequest(tokens.expiresIn, requestedAt), scope: tokens.scope ?? scope }, now),
  };
}

/** The session marked as one whose issuer cannot narrow a refresh's scope, and why (for `doctor`). */
export function withNarrowingRefused(session: Session, reason: string, now = Date.now()): Session {
  return { ...session, scopeNarrowing: { supported: false, reason, at: now } };
}
