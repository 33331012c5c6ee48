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
 * `thenWrite` (login's profile in config.json) runs under the same lock right after; if it
 * throws, the previous session is put back, so a session never sits under a profile naming
 * another issuer or client, which would send its refresh token there.
 */
export function storeSession(parts: SessionWriteParts, profile: string, session: Session, options: StoreSessionOptions = {}): Promise<Session | undefined> {
  const { thenWrite, keepScopedTokens } = options;
  return parts.lock.withLock(parts.timings.lockTimeoutMs, async () => {
    const previous = thenWrite ? await parts.store.read(profile) : undefined;
    const stored = await parts.store.update(profile, (current) => (keepScopedTokens ? withScopedTokensOf(current, session) : session));
    try {
      thenWrite?.();
    } catch (error) {
      await parts.store.update(profile, () => previous);
      throw error;
    }
    return stored;
  });
}

/** How a sign-in is stored (see {@link storeSession}). */
export interface StoreSessionOptions {
  /** Runs under the same lock right after the write (login's profile); if it throws, the previous session is put back. */
  thenWrite?: () => void;
  /** An incremental sign-in of the same account keeps the scope sets' cached tokens. */
  keepScopedTokens?: boolean;
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
