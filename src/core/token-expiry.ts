/**
 * When a newly issued access token expires, and how long the issuer said it lives.
 *
 * Dated from the moment the request that minted it was SENT (the code exchange, the
 * device-code poll that succeeded, the refresh), never from when the answer was read: the
 * issuer starts the token's clock when it handles the request, so an answer that took long
 * to arrive (a slow network, a laptop that slept with the answer in its socket, a starved
 * process) can only make credshare think the token expires earlier than it does, and
 * refresh early. Dated from the answer, a machine that slept for an hour mid-refresh would
 * hand out an hour-old token as fresh. The local clock is the only one used (no `iat` or
 * `exp` from the issuer), so clock skew between the two does not matter.
 */

/**
 * What an issuer that sends no `expires_in` is assumed to grant (RFC 6749 §5.1 makes it
 * only RECOMMENDED). The lifetime is then recorded as unknown, so the margin is the
 * profile's tolerance, uncapped, as before credshare stored lifetimes.
 */
export const ASSUMED_LIFETIME_SECONDS = 3600;

/** The timing fields of a token in credentials.json (a session, or a scope set's entry in `tokens`). */
export interface TokenTiming {
  /** Epoch milliseconds. */
  expiresAt: number;
  /** The issuer's `expires_in` at issue; absent when it gave none. */
  lifetimeSeconds?: number;
}

/** The timing of a token issued with `expiresIn` in answer to a request sent at `requestedAt` (epoch ms). */
export function timingFromRequest(expiresIn: number | undefined, requestedAt: number): TokenTiming {
  const lifetime = typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : undefined;
  return lifetime === undefined
    ? { expiresAt: requestedAt + ASSUMED_LIFETIME_SECONDS * 1000 }
    : { expiresAt: requestedAt + lifetime * 1000, lifetimeSeconds: lifetime };
}
