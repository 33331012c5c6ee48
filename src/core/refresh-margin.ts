/**
 * The refresh margin: how long before its expiry an access token counts as stale. One rule
 * for every process that judges a token (the CLI's fast path, the coordinator before the
 * lock, under it and after waiting, every helper protocol, the VS Code extension, the
 * terminals that ask a window): they all call {@link refreshMarginSeconds}, through
 * `isFresh` (session.ts). No imports: the CLI's hot path loads this.
 *
 * The margin is what the caller wants (the profile's `refreshToleranceSeconds`, or
 * `--min-validity`), capped by a fraction of the token's own lifetime, as the issuer gave it
 * (`expires_in`, stored as `lifetimeSeconds` beside `expiresAt`). Why a cap: an issuer whose
 * tokens live 300 s or less (Keycloak's default is 5 minutes) made every token stale the
 * moment it was issued under the default 300 s tolerance, and every call refreshed. No
 * caller can get more validity than the issuer grants, so asking for more must mean "the
 * freshest token", which one refresh per half-lifetime provides, not a refresh per call.
 *
 * Why half (docs/design.md, "The refresh margin", compares what other clients do): a token
 * handed out has at least half its lifetime left (or the tolerance, if smaller), each refresh
 * buys at least half a lifetime of use, and an answer that takes up to half the lifetime to
 * arrive is still usable. MSAL schedules a proactive refresh at half the lifetime
 * (`refresh_in`); fixed windows (AWS's 5 to 15 minutes, google-auth's 3 min 45 s, Azure
 * Identity's 5 minutes, MSAL's 5 minutes) work only because their issuers never grant less.
 */

/** The fraction of a token's lifetime the margin may take at most. */
export const LIFETIME_FRACTION = 0.5;

/**
 * The margin, in seconds, for a caller that wants a token valid for `wantedSeconds`, given
 * the token's lifetime (undefined when the issuer did not say: then `wantedSeconds` as it is,
 * as before lifetimes were stored).
 */
export function refreshMarginSeconds(wantedSeconds: number, lifetimeSeconds: number | undefined): number {
  const wanted = Math.max(0, wantedSeconds);
  return lifetimeSeconds === undefined ? wanted : Math.min(wanted, lifetimeSeconds * LIFETIME_FRACTION);
}

/**
 * The lifetime stored with a token (`lifetimeSeconds` in credentials.json), if usable. A
 * file written by hand, or by a credshare that knew no lifetimes, may lack it or hold
 * anything: then the lifetime is unknown.
 */
export function lifetimeOf(token: { lifetimeSeconds?: unknown }): number | undefined {
  const value = token.lifetimeSeconds;
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** True when a token expiring at `expiresAt` (epoch ms) stays valid for longer than the margin from `now`. */
export function outlastsMargin(expiresAt: number, lifetimeSeconds: number | undefined, wantedSeconds: number, now = Date.now()): boolean {
  return expiresAt - now > refreshMarginSeconds(wantedSeconds, lifetimeSeconds) * 1000;
}
