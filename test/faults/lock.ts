// The lock faults (docs/faults.md): a stale lock from a dead process, a live holder that
// outlasts the wait bound, a holder frozen (SIGSTOP: a laptop asleep, a clock jump) past
// the stale period while others take over, and the lock directory removed underneath.
// Registered by test/integration/faults-lock.test.ts (fast) and test/faults/lock.slow.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { casesFor, fault, type Suite } from '../support/fault-report';
import { runCli, spawnTs, startCli } from '../support/processes';
import { signedInHome } from '../support/issuer-home';
import { assertStoreIntact, pauseAt, pausedAt, sessionAlive, until } from '../support/fault-env';

const holdLock = path.join(__dirname, '..', 'support', 'hold-lock.ts');
const STALE_MS = 2000;

export function registerLockFaults(suite: Suite, file: string): void {
  const { fast, slow } = casesFor(suite, test);
  fast('a lock left by a dead process is taken over at once when it is already stale', { timeout: 60_000 }, async (t) => {
    const env = await signedInHome({ timings: { lockStaleMs: STALE_MS, lockTimeoutMs: 20_000 } });
    t.after(() => env.close());
    await fault({ id: 'lock/stale-from-dead-process', area: 'lock', fault: 'lock directory (and owner record) left by a process that died minutes ago', expected: 'taken over without waiting; one refresh; session kept', file }, async (tally) => {
      const lockDir = path.join(env.home.paths.home, 'refresh.lock');
      fs.mkdirSync(lockDir);
      const old = new Date(Date.now() - 5 * 60_000);
      fs.utimesSync(lockDir, old, old);
      fs.writeFileSync(path.join(env.home.paths.home, 'refresh.lock.owner.json'), JSON.stringify({ pid: 999_999, host: 'x', since: old.getTime(), command: 'credshare token' }));
      env.expire();
      const result = await runCli(['token'], env.home.env);
      tally.calls(result);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(result.ms < STALE_MS + 3000, `took ${Math.round(result.ms)} ms`);
      tally.note(`answered in ${Math.round(result.ms)} ms`);
      assert.equal(env.issuer.stats().refreshRequests, 1);
      if (!(await sessionAlive(env))) tally.sessionsLost++;
      assert.equal(tally.sessionsLost, 0);
    });
  });

  fast('a live holder that outlasts the wait bound: a clear error, exit 1, and no refresh request', { timeout: 60_000 }, async (t) => {
    const env = await signedInHome({ timings: { lockStaleMs: STALE_MS, lockTimeoutMs: 1500 } });
    t.after(() => env.close());
    await fault({ id: 'lock/live-holder-past-wait-bound', area: 'lock', fault: 'a live process holds the lock longer than lockTimeoutMs (1.5 s)', expected: 'exit 1 naming the lock and the holder; no refresh request; credentials untouched', file }, async (tally) => {
      const holder = spawnTs(holdLock, [env.home.paths.home, String(STALE_MS), '20000']);
      t.after(() => holder.kill('SIGKILL'));
      await new Promise<void>((resolve) => holder.stdout!.on('data', (d) => { if (String(d).includes('held')) resolve(); }));
      env.expire();
      const before = fs.readFileSync(env.home.paths.credentials, 'utf8');
      const results = await Promise.all([runCli(['token'], env.home.env), runCli(['helper', '--protocol', 'bazel', 'get'], env.home.env, '{"uri":"https://artifacts.example.com/x"}')]);
      tally.calls(...results);
      for (const result of results) {
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, /Gave up after \d+s waiting for another credshare process/);
        assert.ok(result.stderr.includes(path.join(env.home.paths.home, 'refresh.lock')), 'names the lock');
        assert.match(result.stderr, new RegExp(`held by process ${holder.pid}\\b`), 'names the holder');
        assert.ok(result.ms < 10_000, `bounded: ${Math.round(result.ms)} ms`);
      }
      assert.equal(env.issuer.stats().refreshRequests, 0, 'never refreshes without the lock');
      assert.equal(fs.readFileSync(env.home.paths.credentials, 'utf8'), before, 'credentials untouched');
      tally.note(`failed after ${results.map((r) => Math.round(r.ms)).join(' and ')} ms`);
    });
  });

  /**
   * A holder frozen (SIGSTOP) at `step` for longer than the stale period, while another
   * process takes the lock over; then the holder wakes (SIGCONT). Nobody may lose the
   * session: the frozen holder must not present a refresh token that the other already
   * redeemed, and the other must not present the one the frozen holder has in flight.
   */
  const FAST_FROZEN: string[] = ['in-flight'];
  for (const step of ['locked', 'before-request', 'in-flight', 'answered', 'written'] as const) {
    (FAST_FROZEN.includes(step) ? fast : slow)(`a holder frozen at "${step}" past the stale period, then woken after another process took over: nobody is signed out`, { timeout: 90_000 }, async (t) => {
      const env = await signedInHome({ timings: { lockStaleMs: STALE_MS, lockTimeoutMs: 30_000, requestTimeoutMs: 15_000 } });
      t.after(() => env.close());
      await fault({ id: `lock/holder-frozen-at-${step}`, area: 'lock', fault: `holder SIGSTOPped at "${step}" for longer than the stale period (sleep/wake, clock jump), another process takes over, then SIGCONT`, expected: 'no crash; no token presented twice; both calls succeed with a live session', file }, async (tally) => {
        env.expire();
        let holder;
        if (step === 'in-flight') {
          // Frozen with its request at the issuer, which redeems it a moment later: the
          // answer waits, unread, in the frozen holder's socket.
          env.issuer.setTokenEndpointFault({ kind: 'delay', ms: 500 }, 1);
          holder = startCli(['token'], env.home.env);
          await until(() => env.issuer.stats().refreshRequests === 1, 'the holder\'s refresh request to reach the issuer');
          holder.child.kill('SIGSTOP');
        } else {
          holder = startCli(['token'], pauseAt(env.home.env, step));
          await holder.waitForStderr(pausedAt(step));
          holder.child.kill('SIGSTOP');
          holder.child.kill('SIGUSR2'); // ends the pause as soon as it wakes
        }
        t.after(() => { holder.child.kill('SIGKILL'); });
        // Past the stale period: the lock looks abandoned.
        await new Promise((r) => setTimeout(r, STALE_MS + 500));
        const other = startCli(['token'], { ...env.home.env, CREDSHARE_DEBUG: '1' });
        // Let the other process take over and get as far as it can (done, or turned away by
        // the holder's claim on the token), then wake the holder: before the other's own
        // stale period runs out, after which it would give up on a frozen holder
        // (test/faults/waiting.ts has that case).
        // (An exit before that line is the "done" outcome, not an error: at "locked" and "written" there is no claim to be turned away by.)
        await Promise.race([other.done, other.waitForStderr(/is redeeming refresh token \w+; waiting for its outcome/, 60_000).catch(() => undefined)]);
        holder.child.kill('SIGCONT');
        const [h, o] = await Promise.all([holder.done, other.done]);
        tally.calls(h, o);
        assertStoreIntact(env.home.paths.credentials);
        const alive = await sessionAlive(env);
        if (!alive) tally.sessionsLost++;
        const stats = env.issuer.stats();
        tally.note(`refresh requests ${stats.refreshRequests}, reuse detections ${stats.reuseDetections}, holder exit ${h.code}, other exit ${o.code}`);
        assert.equal(h.signal, null, 'the woken holder did not crash');
        assert.equal(stats.reuseDetections, 0, 'no refresh token was presented twice');
        assert.ok(alive, 'the session survives');
        assert.deepEqual([h.code, o.code], [0, 0], `${h.stderr}\n${o.stderr}`);
        assert.equal(env.home.readSession()!.accessToken, o.stdout.trim(), 'the other process returned what is stored');
      });
    });
  }

  fast('the lock directory removed underneath a holder: no token is presented twice, nobody is signed out', { timeout: 60_000 }, async (t) => {
    const env = await signedInHome({ timings: { lockStaleMs: STALE_MS, lockTimeoutMs: 20_000 } });
    t.after(() => env.close());
    await fault({ id: 'lock/directory-removed', area: 'lock', fault: 'refresh.lock removed while its holder is about to refresh; another process takes a new lock', expected: 'no crash; one redemption of the token; both calls succeed', file }, async (tally) => {
      env.expire();
      const holder = startCli(['token'], pauseAt(env.home.env, 'before-request'));
      t.after(() => { holder.child.kill('SIGKILL'); });
      await holder.waitForStderr(pausedAt('before-request'));
      fs.rmSync(path.join(env.home.paths.home, 'refresh.lock'), { recursive: true, force: true });
      const other = startCli(['token'], env.home.env);
      await Promise.race([other.done, new Promise((r) => setTimeout(r, 1500))]);
      holder.child.kill('SIGUSR2');
      const [h, o] = await Promise.all([holder.done, other.done]);
      tally.calls(h, o);
      const alive = await sessionAlive(env);
      if (!alive) tally.sessionsLost++;
      const stats = env.issuer.stats();
      tally.note(`refresh requests ${stats.refreshRequests}, reuse detections ${stats.reuseDetections}`);
      assert.equal(stats.reuseDetections, 0, 'no refresh token was presented twice');
      assert.ok(alive, 'the session survives');
      assert.deepEqual([h.code, o.code], [0, 0], `${h.stderr}\n${o.stderr}`);
    });
  });
}
