import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, type Finished } from '../support/processes';
import { signedInHome, signedInHomeWithIssuerProcess } from '../support/issuer-home';

const PROCESSES = 200;
const ROUNDS = 3;

test(`${PROCESSES} CLI processes racing on an expired token cause exactly one refresh, ${ROUNDS} rounds`, { timeout: 180_000 }, async (t) => {
  const env = await signedInHomeWithIssuerProcess({ hosts: ['artifacts.example.com'] });
  t.after(() => env.close());
  const { issuer, home } = env;
  for (let round = 1; round <= ROUNDS; round++) {
    env.expire();
    await issuer.resetStats();
    const started = performance.now();
    const results: Finished[] = await Promise.all(Array.from({ length: PROCESSES }, (_, i) => i % 2 === 0
      ? runCli(['token'], env.home.env)
      : runCli(['helper', '--protocol', 'bazel', 'get'], env.home.env, JSON.stringify({ uri: 'https://artifacts.example.com/file.tar.gz' }))));
    const wallMs = performance.now() - started;
    const failures = results.filter((r) => r.code !== 0);
    assert.deepEqual(failures.map((f) => f.stderr), [], 'every process succeeded');
    const tokens = new Set(results.map((r) => r.stdout.startsWith('{') ? JSON.parse(r.stdout).headers.Authorization[0].replace('Bearer ', '') : r.stdout.trim()));
    const stats = await issuer.stats();
    const latencies = results.map((r) => r.ms).sort((a, b) => a - b);
    t.diagnostic(`round ${round}: ${PROCESSES} processes, ${stats.refreshRequests} refresh request(s), wall ${wallMs.toFixed(0)} ms, `
      + `p50 ${latencies[Math.floor(PROCESSES / 2)]!.toFixed(0)} ms, p99 ${latencies[Math.floor(PROCESSES * 0.99)]!.toFixed(0)} ms`);
    assert.equal(stats.refreshRequests, 1, 'exactly one refresh request reached the issuer');
    assert.equal(stats.reuseDetections, 0);
    assert.equal(tokens.size, 1, 'every process got the same new token');
    const [token] = tokens;
    assert.equal(await issuer.isAccessTokenValid(token!), true, 'the issuer accepts the token');
    const stored = home.readSession()!;
    assert.equal(stored.accessToken, token);
    assert.equal(await issuer.isRefreshTokenUsable(stored.refreshToken), true, 'the session survives');
  }
});

test('a process killed while holding the lock: the others recover after the stale period, nobody is signed out', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome({ timings: { lockStaleMs: 2000 } });
  t.after(() => env.close());
  env.expire();
  // Hold the refresh request in flight long enough to kill its sender first.
  env.issuer.setTokenEndpointFault({ kind: 'hang' }, 1);
  const { spawn } = await import('node:child_process');
  const { cliPath } = await import('../support/processes');
  const victim = spawn(process.execPath, [cliPath, 'token'], { env: env.home.env, stdio: 'ignore' });
  for (let i = 0; i < 200 && env.issuer.stats().refreshRequests === 0; i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(env.issuer.stats().refreshRequests, 1, 'the victim sent its refresh request');
  victim.kill('SIGKILL');
  const killedAt = Date.now();
  const results = await Promise.all(Array.from({ length: 20 }, () => runCli(['token'], env.home.env)));
  const recoveredAfter = Date.now() - killedAt;
  assert.deepEqual(results.filter((r) => r.code !== 0).map((r) => r.stderr), []);
  assert.equal(new Set(results.map((r) => r.stdout)).size, 1);
  t.diagnostic(`recovered ${recoveredAfter} ms after the kill (stale period 2000 ms); refresh requests ${env.issuer.stats().refreshRequests}`);
  assert.equal(env.issuer.stats().refreshRequests, 2, 'one hung request from the victim, one from the survivors');
  assert.equal(await env.issuer.isRefreshTokenUsable(env.home.readSession()!.refreshToken), true);
});

test('the window in which a crash can lose a session: from the issuer\'s answer to the durable write', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome();
  t.after(() => env.close());
  const windows: number[] = [];
  for (let i = 0; i < 20; i++) {
    env.expire();
    const result = await runCli(['token'], { ...env.home.env, CREDSHARE_DEBUG: '1' });
    assert.equal(result.code, 0, result.stderr);
    const match = /stored ([\d.]+) ms later/.exec(result.stderr);
    assert.ok(match, `the coordinator reports the window: ${result.stderr}`);
    windows.push(Number(match[1]));
    assert.doesNotMatch(result.stderr, new RegExp(env.home.readSession()!.refreshToken), 'no token in the debug log');
  }
  windows.sort((a, b) => a - b);
  t.diagnostic(`answer-to-durable-write window over 20 refreshes: median ${windows[10]!.toFixed(2)} ms, max ${windows[19]!.toFixed(2)} ms`);
});
