// How often a process waiting for another's refresh looks at the store (coordinator.ts).

/**
 * How long a waiter sleeps between looks at the store: often at first (on an idle machine
 * a refresh takes tens of milliseconds), then ever less often the longer it has waited, so
 * that waiting adds at most ~1/8 to the wait. Every look costs CPU, and in a storm of a
 * thousand processes on two cores the old fixed 50 ms (plus a full read and a lock check
 * every 100 ms) had the waiters burning CPU that the one process they all wait for needed.
 */
export function pollInterval(waitedMs: number): number {
  return Math.min(Math.max(5, waitedMs / 8), MAX_POLL_MS);
}

/**
 * The slowest look: reached after 8 s of waiting, which only happens when the machine is
 * overloaded (a storm of a thousand processes on two cores). A slower look then costs a
 * waiter at most an eighth of its wait and gives the CPU to the process it waits for.
 */
export const MAX_POLL_MS = 1000;

/**
 * Without a change to the store, how often a waiter reads it and checks whether the lock is
 * still held: that is how it learns that the holder failed or died (rare, and a dead
 * holder's lock goes stale only after lockStaleMs anyway). A refresh that succeeded changes
 * the store, which the cheap stamp check sees at the next look.
 */
export const LOCK_CHECK_MS = 1000;
