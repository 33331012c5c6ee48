import type { CrossProcessLock } from './lock';
import type { Timings } from './profile';
import { scopedTokens } from './scope-sets';
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
 */
export function storeSession(parts: SessionWriteParts, profile: string, session: Session, options: { keepScopedTokens?: boolean } = {}): Promise<Session | undefined> {
  return parts.lock.withLock(parts.timings.lockTimeoutMs, () => parts.store.update(profile, (current) =>
    (options.keepScopedTokens ? withScopedTokensOf(current, session) : session)));
}

/**
 * An incremental sign-in (a wider scope for the same account) keeps the scope sets' cached
 * access tokens: the issuer issued them to this user and they stay valid until they expire,
 * so every extension using one keeps working without a refresh. Another account's are dropped.
 */
function withScopedTokensOf(previous: Session | undefined, next: Session): Session {
  if (!previous || previous.account.id !== next.account.id) return next;
  const tokens = { ...scopedTokens(previous), ...scopedTokens(next) };
  return Object.keys(tokens).length ? { ...next, tokens } : next;
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
      if (!current) return KEEP;
      if (current.accessToken === accessToken && current.expiresAt > 0) {
        marked = true;
        return { ...current, expiresAt: 0 };
      }
      // Or one of the scope sets' tokens (scope-sets.ts).
      const tokens = scopedTokens(current);
      const key = Object.keys(tokens).find((k) => tokens[k]?.accessToken === accessToken && tokens[k]!.expiresAt > 0);
      if (key === undefined) return KEEP;
      marked = true;
      return { ...current, tokens: { ...tokens, [key]: { ...tokens[key]!, expiresAt: 0 } } };
    });
    return marked;
  });
}
