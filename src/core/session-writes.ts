import type { CrossProcessLock } from './lock';
import type { Timings } from './profile';
import type { Session } from './session';
import { KEEP, type CredentialStore } from './store';

/**
 * The writes other than a refresh. Each takes the same lock as a refresh, so none can
 * interleave with one: a sign-in is never overwritten by a refresh that started before
 * it, and a sign-out is never undone by one (the refresh persists with compare-and-set).
 */
export interface SessionWriteParts {
  store: CredentialStore;
  lock: CrossProcessLock;
  timings: Timings;
}

/**
 * Stores a new session (sign-in): the newest sign-in wins over whatever was there, also
 * over a sign-out that landed after the sign-in began (docs/architecture.md, "Sign-in races").
 * `thenWrite` (login's profile in config.json) runs under the same lock right after; if it
 * throws, the previous session is put back, so a session never sits under a profile naming
 * another issuer or client, which would send its refresh token there.
 */
export function storeSession(parts: SessionWriteParts, profile: string, session: Session, thenWrite?: () => void): Promise<Session | undefined> {
  return parts.lock.withLock(parts.timings.lockTimeoutMs, async () => {
    const previous = thenWrite ? await parts.store.read(profile) : undefined;
    const stored = await parts.store.update(profile, () => session);
    try {
      thenWrite?.();
    } catch (error) {
      await parts.store.update(profile, () => previous);
      throw error;
    }
    return stored;
  });
}

/**
 * Removes the session (sign-out) and resolves to what was removed, if anything.
 * `beforeRemove` (logout's revocation at the issuer) runs under the lock with the session
 * about to go, so no refresh can rotate the token it revokes and no sign-in can land in
 * between; the session is removed whatever it does (its error is rethrown afterwards).
 */
export function removeSession(parts: SessionWriteParts, profile: string, beforeRemove?: (session: Session) => Promise<void>): Promise<Session | undefined> {
  return parts.lock.withLock(parts.timings.lockTimeoutMs, async () => {
    const removed = await parts.store.read(profile);
    let hookFailed: { error: unknown } | undefined;
    if (removed && beforeRemove) await beforeRemove(removed).catch((error: unknown) => { hookFailed = { error }; });
    await parts.store.update(profile, () => undefined);
    if (hookFailed) throw hookFailed.error;
    return removed;
  });
}

/**
 * A tool reported that this access token was refused (git's `erase`): mark it expired so
 * the next request refreshes, instead of anyone signing out. Only if the store still
 * holds that token: a newer one written meanwhile is left alone. Resolves true if marked.
 */
export function markAccessTokenRejected(parts: SessionWriteParts, profile: string, accessToken: string): Promise<boolean> {
  return parts.lock.withLock(parts.timings.lockTimeoutMs, async () => {
    let marked = false;
    await parts.store.update(profile, (current) => {
      if (!current || current.accessToken !== accessToken || current.expiresAt <= 0) return KEEP;
      marked = true;
      return { ...current, expiresAt: 0 };
    });
    return marked;
  });
}
