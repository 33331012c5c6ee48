// Fault suite, fast part: a credshare process SIGKILLed at each step of a refresh
// (docs/faults.md). The slow part repeats each step with a crowd of waiters
// (test/faults/crash.slow.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fault } from '../support/fault-report';
import { runCli } from '../support/processes';
import { KILL_POINTS, assertKillOutcome, killEnv, killOnce, losesSession, type KillPoint } from '../faults/kill-scenario';

const EXPECTED: Record<KillPoint, string> = {
  'locked': 'store intact, lock heals, next call refreshes; session kept',
  'before-request': 'store intact, lock heals, next call refreshes; session kept',
  'in-flight, never processed': 'store intact, lock heals, next call refreshes; session kept',
  'in-flight, processed after the kill': 'session lost (the issuer rotated after the client died: inherent); next call exits 3 "run credshare login"; store intact',
  'answered': 'session lost (inside the crash window: inherent); next call exits 3 "run credshare login"; store intact',
  'writing': 'session lost (inside the crash window: inherent); store intact (old or new, never torn); next call exits 3',
  'written': 'store holds the new session; lock heals; nothing lost',
};

for (const point of KILL_POINTS) {
  test(`SIGKILL at "${point}" of a refresh: ${losesSession(point) ? 'only the rotated token in flight is lost' : 'nothing is lost'}, the store stays intact, the lock heals`, { timeout: 60_000 }, async (t) => {
    const env = await killEnv();
    t.after(() => env.close());
    await fault({ id: `crash/kill-at-${point.replace(/[^a-z]+/g, '-')}`, area: 'refresh crash', fault: `SIGKILL at "${point}"`, expected: EXPECTED[point], file: __filename }, async (tally) => {
      const outcome = await killOnce(env, point);
      assertKillOutcome(point, outcome, tally);
      tally.note(`healed ${Math.round(outcome.healedMs)} ms after the kill (stale period 2000 ms)`);
      if (point === 'written') {
        // The lock the victim left is stale; a forced refresh must take it over and work.
        const forced = await runCli(['token', '--min-validity', '999999'], env.home.env);
        tally.tries++;
        assert.equal(forced.code, 0, forced.stderr);
      }
    });
  });
}
