import type { Session } from './session';

/**
 * Access tokens per scope set (RFC 6749 §6): one grant (one refresh token) per profile,
 * and beside it, in `session.tokens`, access tokens for narrower scope sets, each got by
 * refreshing with a `scope` parameter. This module holds the pure rules; the coordinator
 * applies them under its lock. No I/O, no oauth4webapi: the CLI's hot path loads it.
 */

/** One cached access token for a scope set (credentials.json: `session.tokens["<scope set>"]`). */
export interface ScopedToken {
  accessToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  /**
   * The scopes this token carries, as far as credshare knows (see `scopeFrom`): what the
   * issuer's answer said, else the access token's own claim, else the most it can carry.
   */
  scope: string;
  /**
   * Where `scope` comes from. Absent: the answer's `scope`. `access-token`: the answer had
   * none; the access token is a JWT whose `scope`/`scp` claim says it. `grant`: neither says;
   * `scope` is the grant's (the most the token can carry: an issuer that ignores the
   * refresh's `scope` parameter and omits `scope` from its answer hands out exactly that).
   */
  scopeFrom?: 'access-token' | 'grant';
}

/** What the store says about the issuer's narrowing, set once it failed (`session.scopeNarrowing`). */
export interface ScopeNarrowing {
  supported: false;
  /** Why, for `doctor`: "refused a refresh with a narrower scope (invalid_scope)". */
  reason: string;
  at: number;
}

/** Splits scope strings or lists into words, sorted, de-duplicated; the cache's key form. */
export function scopeWords(scopes: string | readonly string[] | undefined): string[] {
  const words = (typeof scopes === 'string' ? [scopes] : scopes ?? []).flatMap((s) => s.split(/\s+/)).filter(Boolean);
  return [...new Set(words)].sort();
}

/** The normalised scope set: sorted, de-duplicated, space-joined. */
export function scopeKey(scopes: string | readonly string[] | undefined): string {
  return scopeWords(scopes).join(' ');
}

/** The cached tokens of a session (an older file has none). */
export function scopedTokens(session: Session): Record<string, ScopedToken> {
  const tokens = session.tokens;
  return typeof tokens === 'object' && tokens !== null && !Array.isArray(tokens) ? tokens as Record<string, ScopedToken> : {};
}

/** The store's record that this issuer cannot narrow, if any. */
export function narrowingRefused(session: Session): ScopeNarrowing | undefined {
  const n = session.scopeNarrowing as ScopeNarrowing | undefined;
  return n && typeof n === 'object' && n.supported === false ? n : undefined;
}

/**
 * Scope sets the issuer refused for this grant (`session.scopesNotGranted`). A grant's scope
 * is fixed when the user approves it, so asking again before a new sign-in is pointless;
 * a new sign-in stores a new session without this list.
 */
export function scopesNotGranted(session: Session): string[] {
  const list = session.scopesNotGranted;
  return Array.isArray(list) ? list.filter((k): k is string => typeof k === 'string') : [];
}

/** True when every word of `wanted` is in `have`. */
export function coversScopes(have: string | readonly string[], wanted: string | readonly string[]): boolean {
  const held = new Set(scopeWords(have));
  return scopeWords(wanted).every((w) => held.has(w));
}

/**
 * How a request for the scope set `key` is served, in this order:
 * - `grant`: by the grant's own token, with no refresh of its own: no scopes asked for, or
 *   the grant's own set (as the issuer answered it, or as the profile asked for it at sign-in);
 * - `not-granted`: a scope the grant does not hold. No refresh may ask for it (RFC 6749 §6:
 *   a refresh's scope "MUST NOT include any scope not originally granted"), whatever the
 *   issuer would do with it; only a sign-in for the union adds it;
 * - `grant` again for an issuer known not to narrow (its token carries the whole grant);
 * - `narrow`: the set's own token, got by a refresh with that `scope`.
 * `offline_access` is left out of every comparison: it asks for a refresh token (OpenID
 * Connect Core §11), not for access, and many issuers leave it out of their answers' scope.
 */
export function scopeRoute(session: Session, key: string, profileScopes: readonly string[] = []): 'grant' | 'not-granted' | 'narrow' {
  const access = withoutOfflineAccess(key);
  if (access === '' || access === withoutOfflineAccess(session.scope) || access === withoutOfflineAccess(profileScopes)) return 'grant';
  if (missingFromGrant(session, key, profileScopes).length > 0) return 'not-granted';
  return narrowingRefused(session) ? 'grant' : 'narrow';
}

/** Whether a request for `key` is served by the grant's own token (see {@link scopeRoute}). */
export function servedByGrant(session: Session, key: string, profileScopes: readonly string[] = []): boolean {
  return scopeRoute(session, key, profileScopes) === 'grant';
}

/**
 * The words of `key` the grant's recorded scope lacks (`offline_access` aside). A grant
 * recorded without any scope (an empty answer) is taken to hold what the profile asked for:
 * RFC 6749 §5.1's reading of an answer that does not say.
 */
export function missingFromGrant(session: Session, key: string, profileScopes: readonly string[] = []): string[] {
  const held = new Set(scopeWords(session.scope || profileScopes));
  return scopeWords(withoutOfflineAccess(key)).filter((w) => !held.has(w));
}

function withoutOfflineAccess(scopes: string | readonly string[]): string {
  return scopeWords(scopes).filter((w) => w !== 'offline_access').join(' ');
}

/**
 * The session as a caller asking for `key` sees it: the scope set's cached token in place
 * of the grant's access token (same account, same refresh token), or the grant itself when
 * it serves that set. Undefined when the set has no cached token yet.
 */
export function sessionForScopes(session: Session, key: string, profileScopes: readonly string[] = []): Session | undefined {
  const route = scopeRoute(session, key, profileScopes);
  if (route === 'grant') return session;
  if (route === 'not-granted') return undefined;
  const token = scopedTokens(session)[key];
  if (!token || typeof token.accessToken !== 'string' || typeof token.expiresAt !== 'number') return undefined;
  return {
    ...session, accessToken: token.accessToken, expiresAt: token.expiresAt, scope: typeof token.scope === 'string' ? token.scope : key,
    // Not stored (the view is handed out, never written): whether `scope` is confirmed.
    ...(token.scopeFrom ? { scopeFrom: token.scopeFrom } : {}),
  };
}

/** False when the issuer did not say which scopes the session's access token carries (`scope` is then the most it can carry). */
export function scopeConfirmed(session: Session): boolean {
  return session.scopeFrom !== 'grant';
}

/** The cache without entries that expired, plus `key` set to `token`. */
export function withScopedToken(session: Session, key: string, token: ScopedToken, now = Date.now()): Record<string, ScopedToken> {
  const kept = Object.entries(scopedTokens(session)).filter(([k, t]) => k !== key && typeof t?.expiresAt === 'number' && t.expiresAt > now);
  return { ...Object.fromEntries(kept), [key]: token };
}
