// Fault suite, fast part: a credshare process SIGKILLed at a refresh step on each side of
// the crash window (docs/faults.md). The slow part kills at every step, repeatedly, with a
// crowd of waiters, and measures the window (test/faults/crash.slow.test.ts).
import { test } from 'node:test';
import { fault } from '../support/fault-report';
import { KILL_EXPECTED, KILL_POINTS, assertKillOutcome, killEnv, killOnce, losesSession, type KillPoint } from '../faults/kill-scenario';

const FAST_POINTS: KillPoint[] = ['before-request', 'answered'];

for (const point of KILL_POINTS.filter((p) => FAST_POINTS.includes(p))) {
  test(`SIGKILL at "${point}" of a refresh: ${losesSession(point) ? 'only the rotated token in flight is lost' : 'nothing is lost'}, the store stays intact, the lock heals`, { timeout: 60_000 }, async (t) => {
    const env = await killEnv();
    t.after(() => env.close());
    await fault({ id: `crash/kill-at-${point.replace(/[^a-z]+/g, '-')}`, area: 'refresh crash', fault: `SIGKILL at "${point}"`, expected: KILL_EXPECTED[point], file: __filename }, async (tally) => {
      const outcome = await killOnce(env, point);
      assertKillOutcome(point, outcome, tally);
      tally.note(`healed ${Math.round(outcome.healedMs)} ms after the kill (stale period 2000 ms)`);
    });
  });
}
