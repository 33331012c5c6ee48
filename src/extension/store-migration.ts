import type { StoreMode } from './store-modes';

export type MoveOutcome = 'moved' | 'target-had-one' | 'spent-copy-dropped' | 'nothing-to-move';

/**
 * Moves a profile's session from one store to another (SecretStorage to the shared store,
 * when SecretStorage turns out not to be shared), holding both locks. The target keeps a
 * session it already has; a copy whose refresh token the record calls spent (a stale view)
 * is dropped, never moved, so it can never be presented. The source is emptied either way.
 */
export async function moveSession(from: StoreMode, to: StoreMode, profile: string): Promise<MoveOutcome> {
  return from.parts.lock.withLock(from.parts.timings.lockTimeoutMs, async () => {
    const session = await from.parts.store.read(profile);
    let outcome: MoveOutcome = 'nothing-to-move';
    if (session && from.parts.record.isSpent(profile, session.refreshToken)) {
      outcome = 'spent-copy-dropped';
    } else if (session) {
      await to.parts.lock.withLock(to.parts.timings.lockTimeoutMs, () => to.parts.store.update(profile, (now) => {
        outcome = now ? 'target-had-one' : 'moved';
        return now ?? session;
      }));
    }
    if (session) await from.parts.store.update(profile, () => undefined);
    return outcome;
  });
}
