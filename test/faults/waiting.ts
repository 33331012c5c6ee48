// Waiting under load and answers that arrive late (issue 15, items 6, 8 and 9; docs/faults.md):
// a refresh slowed past the old 60 s wait bound, a holder stopped with SIGSTOP, a retry after
// 429 on a connection the server closed, and a refresher stopped just as the issuer's answer
// reaches it. Registered by test/integration/faults-waiting.test.ts (fast) and
// test/faults/waiting.slow.test.ts (slow).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { casesFor, fault, type Suite } from '../support/fault-report';
import { runCli, startCli, type Finished } from '../support/processes';
import { signedInHome, signedInHomeWithIssuerProcess } from '../support/issuer-home';
import { assertStoreIntact, pauseAt, pausedAt, secretsOf, sessionAlive } from '../support/fault-env';
import { makeHome } from '../../src/demo/home';
import { sessionFromMinted } from '../../src/demo/signed-in-home';
import { startIssuerProcess, type IssuerProcess } from '../../src/issuer/issuer-process';
import { startStallingProxy } from '../support/stalling-proxy';

const BAZEL_REQUEST = '{"uri":"https://artifacts.example.com/x"}';

export function registerWaitingFaults(suite: Suite, file: string): void {
  const { fast, slow } = casesFor(suite, test);

  fast('HTTP 429 with Retry-After: 1, then the server closes that idle connection: the retry goes out on a new one and succeeds', { timeout: 60_000 }, async (t) => {
    const env = await signedInHome({ timings: { lockStaleMs: 2000, lockTimeoutMs: 30_000, requestTimeoutMs: 10_000 } });
    t.after(() => env.close());
    await fault({ id: 'issuer/429-then-idle-close', area: 'issuer', fault: 'token endpoint: HTTP 429 with Retry-After: 1 on a keep-alive connection that the server then closes while idle (a request sent on it is reset unread)',
      expected: 'the retry uses a new connection: exit 0, 2 refresh requests reach the issuer, session kept', file }, async (tally) => {
      env.expire();
      env.issuer.setTokenEndpointFault({ kind: 'status', status: 429, body: '{"error":"slow_down"}', headers: { 'retry-after': '1' }, closesIdleConnection: true }, 1);
      const result = await runCli(['token'], { ...env.home.env, CREDSHARE_DEBUG: '1' });
      tally.calls(result);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(env.issuer.stats().refreshRequests, 2, 'the 429 and the retry');
      assert.equal(result.stdout.trim(), env.home.readSession()!.accessToken);
      if (!(await sessionAlive(env))) tally.sessionsLost++;
      assert.equal(tally.sessionsLost, 0);
      tally.note(`answered after ${Math.round(result.ms)} ms`);
    });
  });

  // The slow cases run side by side: each waits on timers, not on the CPU.
  describe('waiting (slow cases, side by side)', { concurrency: true }, () => {
    slow('a storm whose refresh the issuer answers only after 62 s (past the old 60 s wait bound), the holder alive: nobody fails', { timeout: 180_000 }, async (t) => {
      // lockStaleMs is short (the holder touches its lock every ~0.7 s, which is what tells
      // the waiters it is alive); lockTimeoutMs is the default hard cap; requestTimeoutMs is
      // 30 s, so the holder itself waits for the late answer (30 s + 60 s of late-answer wait).
      const env = await signedInHomeWithIssuerProcess({ accessTokenTtlSeconds: 3600, toleranceSeconds: 60, timings: { lockStaleMs: 2000, requestTimeoutMs: 30_000 } });
      t.after(() => env.close());
      const issuer = env.issuer as IssuerProcess;
      await fault({ id: 'load/refresh-slower-than-old-wait-bound', area: 'load', fault: '30 helper processes on an expired token; the issuer answers the refresh after 62 s (the old wait bound was 60 s); the holder stays alive',
        expected: 'every process waits and gets the one new token: 0 failures, 1 refresh request, session kept', file }, async (tally) => {
        env.expire();
        await issuer.setFault({ kind: 'delay', ms: 62_000 }, 1);
        const results = await Promise.all(Array.from({ length: 30 }, () => runCli(['helper', '--protocol', 'bazel', 'get'], env.home.env, BAZEL_REQUEST)));
        tally.calls(...results);
        const failed = results.filter((r) => r.code !== 0);
        const slowest = Math.max(...results.map((r) => r.ms));
        tally.note(`${failed.length} failed, slowest ${Math.round(slowest / 1000)} s, ${(await env.issuer.stats()).refreshRequests} refresh request(s)`);
        assert.equal(failed.length, 0, failed[0]?.stderr);
        assert.equal((await env.issuer.stats()).refreshRequests, 1);
        const tokens = new Set(results.map((r) => (JSON.parse(r.stdout) as { headers: { Authorization: string[] } }).headers.Authorization[0]));
        assert.equal(tokens.size, 1, 'one token for everyone');
        assert.ok(slowest > 60_000, `the wait outlasted the old bound: ${Math.round(slowest)} ms`);
        if (!(await issuer.isRefreshTokenUsable(env.home.readSession()!.refreshToken))) tally.sessionsLost++;
        assert.equal(tally.sessionsLost, 0);
      });
    });

    slow('a holder stopped (SIGSTOP) holding the token\'s claim: waiters fail after the stale period with the message for a frozen holder, then it resumes and finishes', { timeout: 120_000 }, async (t) => {
      const STALE_MS = 2000;
      // The default hard cap (10 min): the waiters' failure must come from the frozen holder.
      const env = await signedInHome({ timings: { lockStaleMs: STALE_MS, requestTimeoutMs: 15_000 } });
      t.after(() => env.close());
      await fault({ id: 'lock/holder-stopped-waiters-give-up', area: 'lock', fault: 'the holder is stopped (SIGSTOP, Ctrl-Z) with its claim on the refresh token, and stays stopped; 5 processes wait for it',
        expected: 'each waiter exits 1 after about twice the stale period, saying the holder is stopped and how to resume it; no refresh request; credentials untouched; the resumed holder refreshes', file }, async (tally) => {
        env.expire();
        const holder = startCli(['token'], pauseAt(env.home.env, 'before-request'));
        t.after(() => { holder.child.kill('SIGKILL'); });
        await holder.waitForStderr(pausedAt('before-request'), 60_000);
        holder.child.kill('SIGSTOP');
        holder.child.kill('SIGUSR2'); // ends the pause as soon as it is resumed
        const before = fs.readFileSync(env.home.paths.credentials, 'utf8');
        const waiters = await Promise.all(Array.from({ length: 5 }, () => runCli(['token'], env.home.env)));
        tally.calls(...waiters);
        for (const w of waiters) {
          assert.equal(w.code, 1, w.stderr);
          assert.match(w.stderr, new RegExp(`credshare process ${holder.child.pid} \\(credshare token\\) is refreshing profile "default" but has been stopped for \\d+s`));
          assert.match(w.stderr, new RegExp(`kill -CONT ${holder.child.pid}`));
          assert.match(w.stderr, /Your credentials are kept/);
          for (const secret of secretsOf(env.home.readSession())) assert.ok(!w.stderr.includes(secret));
        }
        assert.equal(env.issuer.stats().refreshRequests, 0, 'nobody presented the claimed token');
        assert.equal(fs.readFileSync(env.home.paths.credentials, 'utf8'), before, 'credentials untouched');
        tally.note(`waiters failed after ${waiters.map((w) => (w.ms / 1000).toFixed(1)).join(', ')} s (stale period ${STALE_MS / 1000} s); first line: ${waiters[0]!.stderr.trim().split('\n')[0]}`);
        holder.child.kill('SIGCONT');
        const h = await holder.done;
        tally.calls(h);
        assert.equal(h.code, 0, h.stderr);
        assertStoreIntact(env.home.paths.credentials);
        assert.equal(env.issuer.stats().refreshRequests, 1);
        if (!(await sessionAlive(env))) tally.sessionsLost++;
        assert.equal(tally.sessionsLost, 0);
      });
    });

    slow('the refresher is stopped (SIGSTOP) for longer than the request timeout just as the issuer\'s answer reaches it, 20 times: the answer is used every time', { timeout: 180_000 }, async (t) => {
      // The issuer in a process of its own: the other cases' storms must not slow its answers.
      const issuer = await startIssuerProcess({ accessTokenTtlSeconds: 3600 });
      t.after(() => issuer.stop());
      const REQUEST_TIMEOUT_MS = 2000;
      // Longer than the request timeout and its late-answer wait together (2 s + 4 s): only
      // counting awake time, not the wall clock, can keep the answer.
      const STOP_MS = 7000;
      await fault({ id: 'issuer/answer-arrives-while-stopped', area: 'issuer', fault: `the refresher is stopped (SIGSTOP) for ${STOP_MS / 1000} s just before the issuer's answer reaches it (request timeout ${REQUEST_TIMEOUT_MS / 1000} s), 20 runs`,
        expected: 'every run uses the answer: exit 0 with the answered token, the rotated refresh token stored, no reuse, session kept', file }, async (tally) => {
        const runs: Finished[] = [];
        for (let batch = 0; batch < 4; batch++) {
          runs.push(...await Promise.all(Array.from({ length: 5 }, () => stoppedAtAnswer(t, issuer, REQUEST_TIMEOUT_MS, STOP_MS, tally))));
        }
        const stats = await issuer.stats();
        tally.note(`${runs.filter((r) => r.code === 0).length}/20 used the answer; wall ${runs.map((r) => (r.ms / 1000).toFixed(1)).join(' ')} s`);
        assert.equal(stats.reuseDetections, 0, 'no refresh token presented twice');
        assert.equal(stats.refreshRequests, 20);
      });
    });
  });
}

/**
 * One run of 15.9: a home whose token endpoint is a stalling proxy; `credshare token` on an
 * expired token; the proxy stops it before handing it the answer. Asserts the answer was
 * used and the session survives; returns the run.
 */
async function stoppedAtAnswer(t: { after(fn: () => unknown): void }, issuer: IssuerProcess, requestTimeoutMs: number, stopMs: number, tally: { calls(...r: Finished[]): void; sessionsLost: number }): Promise<Finished> {
  let pid: number | undefined;
  const proxy = await startStallingProxy(new URL(issuer.url), { stopMs, pidFor: () => pid });
  const home = makeHome({ issuer: issuer.url, clientId: issuer.clientId, timings: { requestTimeoutMs }, prefix: 'credshare-test-' });
  t.after(async () => { await proxy.close(); home.remove(); });
  // The refresh goes to the token endpoint through the proxy; no discovery.
  const config = JSON.parse(fs.readFileSync(home.paths.config, 'utf8'));
  config.profiles.default.endpoints = { token: `${proxy.url}/token` };
  fs.writeFileSync(home.paths.config, JSON.stringify(config));
  home.writeSession(sessionFromMinted(await issuer.mint('alice')));
  home.expire();
  const cli = startCli(['token'], { ...home.env, CREDSHARE_DEBUG: '1' });
  pid = cli.child.pid;
  const result = await cli.done;
  tally.calls(result);
  const answer = proxy.answers[0];
  assert.ok(answer, `the refresh went through the proxy: ${result.stderr}`);
  assert.equal(answer.pid, pid);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim(), answer.accessToken, 'the answered access token');
  const stored = home.readSession()!;
  assert.equal(stored.refreshToken, answer.refreshToken, 'the rotated refresh token was kept');
  const alive = await issuer.isRefreshTokenUsable(stored.refreshToken);
  if (!alive) tally.sessionsLost++;
  assert.ok(alive, 'the session survives');
  return result;
}
