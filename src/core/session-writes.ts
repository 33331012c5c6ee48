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

/** Stores a new session (sign-in): the newest sign-in wins over whatever was there. */
export function storeSession(parts: SessionWriteParts, profile: string, session: Session): Promise<Session | undefined> {
  return parts.lock.withLock(parts.timings.lockTimeoutMs, () => parts.store.update(profile, () => session));
}

/** Removes the session (sign-out) and resolves to what was removed, if anything. */
export function removeSession(parts: SessionWriteParts, profile: string): Promise<Session | undefined> {
  return parts.lock.withLock(parts.timings.lockTimeoutMs, async () => {
    const removed = await parts.store.read(profile);
    await parts.store.update(profile, () => undefined);
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
