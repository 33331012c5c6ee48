import { accessTokenScope } from './access-token-scope';
import type { TokenResponse } from './oauth/refresh-grant';
import { coversScopes, withScopedToken, type ScopedToken } from './scope-sets';
import { sessionAfterRefresh, type Session } from './session';

/**
 * The session after a refresh for the narrower scope set `scope` answered `tokens`. The
 * rotated refresh token belongs to the grant and replaces the old one; the new access
 * token goes into the scope set's cache entry; the grant's own access token, and every
 * other set's, stay (rotation retires refresh tokens, not access tokens).
 *
 * An issuer that answers with a wider scope than asked did not narrow: its token is
 * stored as the grant's, with the scopes it really carries, and the store records that
 * this issuer cannot narrow, so every set is served by the grant from then on.
 *
 * An answer without `scope` confirms nothing: RFC 6749 §5.1 says the scope is then the one
 * asked for, but an issuer that ignores the parameter omits it too and hands out the whole
 * grant. The token's scope is then what a JWT access token's own claim says, else the
 * grant's (the most it can carry), marked unconfirmed for `--json`, VS Code and `doctor`.
 */
export function sessionAfterScopedRefresh(current: Session, tokens: TokenResponse, scope: string, now = Date.now()): Session {
  const claimed = tokens.scope === undefined ? accessTokenScope(tokens.accessToken) : undefined;
  const confirmed = tokens.scope ?? claimed;
  if (confirmed !== undefined && !coversScopes(scope, confirmed)) {
    const from = tokens.scope !== undefined ? 'answered' : 'answered (in the access token\'s own scope claim)';
    // A claim (unlike the answer's field) may leave out OpenID scopes: the grant's recorded scope stays.
    return withNarrowingRefused(sessionAfterRefresh(current, tokens), `${from} a refresh for scope "${scope}" with the wider scope "${confirmed}"`, now);
  }
  const carries: Pick<ScopedToken, 'scope' | 'scopeFrom'> = tokens.scope !== undefined ? { scope: tokens.scope }
    : claimed !== undefined ? { scope: claimed, scopeFrom: 'access-token' } : { scope: current.scope, scopeFrom: 'grant' };
  const expiresAt = now + (tokens.expiresIn ?? 3600) * 1000;
  return {
    ...current,
    refreshToken: tokens.refreshToken ?? current.refreshToken,
    idToken: tokens.idToken ?? current.idToken,
    account: tokens.account ? { ...current.account, ...tokens.account, id: current.account.id } : current.account,
    tokens: withScopedToken(current, scope, { accessToken: tokens.accessToken, expiresAt, ...carries }, now),
  };
}

/** The session marked as one whose issuer cannot narrow a refresh's scope, and why (for `doctor`). */
export function withNarrowingRefused(session: Session, reason: string, now = Date.now()): Session {
  return { ...session, scopeNarrowing: { supported: false, reason, at: now } };
}
