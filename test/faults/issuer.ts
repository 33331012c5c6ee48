// The issuer faults (docs/faults.md): down, refusing connections, 5xx, slower than the
// timeout, garbage, a truly dead session, 429 with Retry-After, a clock ahead of the
// issuer's, and crowds against a down or overloaded issuer. Registered by
// test/integration/faults-issuer.test.ts (fast cases) and test/faults/issuer.slow.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { casesFor, fault, type Suite, type Tally } from '../support/fault-report';
import { runCli, type Finished } from '../support/processes';
import { signedInHome, type SignedInHome } from '../support/issuer-home';
import { assertStoreIntact, secretsOf, sessionAlive } from '../support/fault-env';

// A generous request timeout: the issuer runs in this process, and a crowd of children
// starting at once on a small machine can starve it for seconds. The timeout faults use
// SHORT_TIMEOUT instead.
const TIMINGS = { lockStaleMs: 2000, lockTimeoutMs: 30_000, requestTimeoutMs: 10_000 };
const SHORT_TIMEOUT = { ...TIMINGS, requestTimeoutMs: 1500 };

/** Runs `credshare token` and counts it. */
async function call(env: SignedInHome, tally: Tally, extraEnv: NodeJS.ProcessEnv = {}): Promise<Finished> {
  const result = await runCli(['token'], { ...env.home.env, ...extraEnv });
  tally.calls(result);
  return result;
}

/** What every failing call must say: where, and that nothing was thrown away. No token. */
function assertClearFailure(result: Finished, where: string | RegExp, secrets: string[]): void {
  assert.equal(result.code, 1, result.stderr);
  if (typeof where === 'string') assert.ok(result.stderr.includes(where), `names ${where}: ${result.stderr}`);
  else assert.match(result.stderr, where);
  assert.match(result.stderr, /credentials are kept/);
  for (const secret of secrets) assert.ok(!result.stderr.includes(secret), 'no token in the message');
  assert.ok(!/at .*\.js:\d+/.test(result.stderr), 'no stack trace');
}

/** The stored session is byte for byte what it was. */
function assertKept(env: SignedInHome, before: string, tally: Tally): void {
  assertStoreIntact(env.home.paths.credentials);
  const now = fs.readFileSync(env.home.paths.credentials, 'utf8');
  if (now !== before) tally.dataLost++;
  assert.equal(now, before, 'credentials kept exactly');
}

async function countLost(env: SignedInHome, tally: Tally): Promise<boolean> {
  const alive = await sessionAlive(env);
  if (!alive) tally.sessionsLost++;
  return alive;
}

export function registerIssuerFaults(suite: Suite, file: string): void {
  const { fast, slow } = casesFor(suite, test);
  fast('the issuer is down (nothing listening): a fast, clear failure naming the URL; credentials kept', { timeout: 60_000 }, async (t) => {
    const env = await signedInHome({ timings: TIMINGS });
    t.after(() => env.close());
    await fault({ id: 'issuer/down', area: 'issuer', fault: 'issuer down: nothing listening on its port (ECONNREFUSED)', expected: 'exit 1 within seconds naming the URL, 3 attempts at most, credentials untouched', file }, async (tally) => {
      env.expire();
      const before = fs.readFileSync(env.home.paths.credentials, 'utf8');
      await env.issuer.stop();
      const result = await call(env, tally, { CREDSHARE_DEBUG: '1' });
      assertClearFailure(result, new URL(env.issuer.url).host, secretsOf(env.home.readSession()));
      assert.match(result.stderr, /ECONNREFUSED/);
      const attempts = (result.stderr.match(/retrying in/g) ?? []).length + 1;
      assert.equal(attempts, 3, 'bounded retries (connection refused: nothing was sent)');
      assert.ok(result.ms < 8000, `fast: ${Math.round(result.ms)} ms`);
      tally.note(`${attempts} attempts, failed after ${Math.round(result.ms)} ms`);
      assertKept(env, before, tally);
    });
  });

  slow('something on the issuer\'s port resets every connection: clear failure, no retry, credentials kept', { timeout: 60_000 }, async (t) => {
    const env = await signedInHome({ timings: TIMINGS });
    t.after(() => env.close());
    await fault({ id: 'issuer/refuses-connections', area: 'issuer', fault: 'connections accepted and reset at once (ECONNRESET)', expected: 'exit 1 naming the URL, not retried (the request may have gone out), credentials untouched', file }, async (tally) => {
      const resetter = net.createServer((socket) => socket.resetAndDestroy());
      await new Promise<void>((resolve) => resetter.listen(0, '127.0.0.1', resolve));
      t.after(() => resetter.close());
      const url = `http://127.0.0.1:${(resetter.address() as net.AddressInfo).port}`;
      const config = JSON.parse(fs.readFileSync(env.home.paths.config, 'utf8'));
      config.profiles.default.issuer = url;
      fs.writeFileSync(env.home.paths.config, JSON.stringify(config));
      env.expire();
      const before = fs.readFileSync(env.home.paths.credentials, 'utf8');
      const result = await call(env, tally, { CREDSHARE_DEBUG: '1' });
      assertClearFailure(result, url, secretsOf(env.home.readSession()));
      assert.doesNotMatch(result.stderr, /retrying in/);
      assertKept(env, before, tally);
    });
  });

  // The fast run tries one answer of each kind; the slow run tries the rest.
  const FAST_ANSWERS: string[] = ['HTTP 503 throughout', 'garbage (200, text/html: a captive portal)', 'hangs past requestTimeoutMs (1.5 s)'];
  for (const [name, faultSpec, expectedRequests, pattern] of [
    ['HTTP 500', { kind: 'status', status: 500 }, 1, /HTTP 500/],
    ['HTTP 502 from a proxy, HTML body', { kind: 'status', status: 502, body: '<html>Bad Gateway</html>' }, 1, /HTTP 502/],
    ['HTTP 503 throughout', { kind: 'status', status: 503 }, 3, /HTTP 503/],
    ['HTTP 429 with Retry-After: 1 throughout', { kind: 'status', status: 429, body: '{"error":"slow_down"}', headers: { 'retry-after': '1' } }, 3, /HTTP 429, asks to retry after 1s/],
    ['HTTP 429 with Retry-After: 3600', { kind: 'status', status: 429, body: '{"error":"slow_down"}', headers: { 'retry-after': '3600' } }, 1, /retry after 3600s/],
    ['garbage (200, text/html: a captive portal)', { kind: 'garbage' }, 1, /cannot use/],
    ['reset after reading the request', { kind: 'reset' }, 1, /ECONNRESET|socket|terminated/i],
    ['hangs past requestTimeoutMs (1.5 s)', { kind: 'hang' }, 1, /did not answer the refresh request within \d+s \(counting only the time this process was running\)\. Your credentials are kept/],
  ] as const) {
    (FAST_ANSWERS.includes(name) ? fast : slow)(`the token endpoint answers ${name}: ${expectedRequests} request(s), a clear failure, credentials kept and still good`, { timeout: 60_000 }, async (t) => {
      const env = await signedInHome({ timings: faultSpec.kind === 'hang' ? SHORT_TIMEOUT : TIMINGS });
      t.after(() => env.close());
      await fault({ id: `issuer/${name.replace(/[^a-zA-Z0-9]+/g, '-').replace(/-$/, '').toLowerCase()}`, area: 'issuer', fault: `token endpoint: ${name}`,
        expected: `exit 1 naming the token endpoint; ${expectedRequests} request(s)${expectedRequests > 1 ? ' (retried: certainly not processed)' : ' (no retry)'}; credentials untouched; next call works`, file }, async (tally) => {
        env.expire();
        const before = fs.readFileSync(env.home.paths.credentials, 'utf8');
        env.issuer.setTokenEndpointFault(faultSpec);
        const result = await call(env, tally);
        assertClearFailure(result, `${env.issuer.url}/token`, secretsOf(env.home.readSession()));
        assert.match(result.stderr, pattern);
        assert.equal(env.issuer.stats().refreshRequests, expectedRequests);
        assertKept(env, before, tally);
        tally.note(`${env.issuer.stats().refreshRequests} request(s), failed after ${Math.round(result.ms)} ms`);
        // Another process right away reports the same failure without asking the issuer again.
        const again = await call(env, tally);
        assert.equal(again.code, 1);
        assert.equal(again.stderr, result.stderr, 'the same message');
        assert.equal(env.issuer.stats().refreshRequests, expectedRequests, 'no new request within the cool-down');
        // The issuer recovers: the session was never damaged.
        env.issuer.setTokenEndpointFault(null);
        fs.rmSync(path.join(env.home.paths.home, 'refresh-state.json'), { force: true }); // skip the cool-down
        const after = await call(env, tally);
        assert.equal(after.code, 0, after.stderr);
        assert.ok(await countLost(env, tally), 'the session survives');
      });
    });
  }

  fast('HTTP 429 with Retry-After: 1 once: retried after the pause, the refresh succeeds', { timeout: 60_000 }, async (t) => {
    const env = await signedInHome({ timings: TIMINGS });
    t.after(() => env.close());
    await fault({ id: 'issuer/429-once', area: 'issuer', fault: 'token endpoint: HTTP 429 with Retry-After: 1, once', expected: 'retried after ~1 s; exit 0; 2 requests; session kept', file }, async (tally) => {
      env.expire();
      env.issuer.setTokenEndpointFault({ kind: 'status', status: 429, body: '{"error":"slow_down"}', headers: { 'retry-after': '1' } }, 1);
      const result = await call(env, tally);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(env.issuer.stats().refreshRequests, 2);
      assert.ok(result.ms >= 1000, `waited for Retry-After: ${Math.round(result.ms)} ms`);
      assert.ok(await countLost(env, tally), 'the session survives');
      tally.note(`answered after ${Math.round(result.ms)} ms`);
    });
  });

  slow('the issuer answers later than the request timeout: the late answer is waited for and used', { timeout: 60_000 }, async (t) => {
    const env = await signedInHome({ timings: SHORT_TIMEOUT });
    t.after(() => env.close());
    await fault({ id: 'issuer/slow-then-processed', area: 'issuer', fault: 'token endpoint slower than requestTimeoutMs (3 s vs 1.5 s), then redeems the token',
      expected: 'the request, already written, gets twice the timeout more for its answer (it holds the only copy of the new refresh token): exit 0, 1 request, session kept', file }, async (tally) => {
      env.expire();
      env.issuer.setTokenEndpointFault({ kind: 'delay', ms: 3000 }, 1);
      const result = await call(env, tally, { CREDSHARE_DEBUG: '1' });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /no answer after 2s to a request it may have acted on; waiting 3s more for it/);
      assert.equal(env.issuer.stats().refreshRequests, 1);
      assert.equal(result.stdout.trim().split('\n').pop(), env.home.readSession()!.accessToken);
      assert.ok(await countLost(env, tally), 'the session survives');
      tally.note(`answered after ${Math.round(result.ms)} ms`);
    });
  });

  slow('the issuer redeems the token after the client stopped waiting: the call says the token may be spent, and the loss is reported as a sign-out', { timeout: 60_000 }, async (t) => {
    const env = await signedInHome({ timings: SHORT_TIMEOUT });
    t.after(() => env.close());
    await fault({ id: 'issuer/processed-after-the-late-wait', area: 'issuer', fault: 'token endpoint slower than requestTimeoutMs and its late-answer wait together (6 s vs 1.5 s + 3 s), then redeems the token anyway',
      expected: 'exit 1 "did not answer ... may have used up the refresh token", credentials kept; the issuer spent the token, so the session is lost (inherent: no client can learn the rotated token); next call exits 3 "run credshare login"', file }, async (tally) => {
      env.expire();
      env.issuer.setTokenEndpointFault({ kind: 'delay', ms: 6000 }, 1);
      const result = await call(env, tally);
      assertClearFailure(result, `${env.issuer.url}/token`, secretsOf(env.home.readSession()));
      assert.match(result.stderr, /If the issuer used up the refresh token all the same, its answer held the new one, and the next refresh will be refused: then run `credshare login`/);
      await new Promise((r) => setTimeout(r, 2500));
      fs.rmSync(path.join(env.home.paths.home, 'refresh-state.json'), { force: true }); // skip the cool-down
      const next = await call(env, tally);
      assert.equal(next.code, 3, next.stderr);
      assert.match(next.stderr, /Signed out.*credshare login/);
      assert.equal(await countLost(env, tally), false);
    });
  });

  fast('a truly dead session (grant revoked at the issuer): every process says to sign in again, exit 3, and the dead session is removed', { timeout: 60_000 }, async (t) => {
    const env = await signedInHome({ timings: TIMINGS });
    t.after(() => env.close());
    await fault({ id: 'issuer/invalid-grant-dead-session', area: 'issuer', fault: 'invalid_grant: the grant was revoked at the issuer', expected: 'every call exits 3 "Signed out ... run credshare login"; the dead session (only) is removed', file }, async (tally) => {
      const session = env.home.readSession()!;
      const revoked = await fetch(`${env.issuer.url}/token/revocation`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: session.refreshToken, token_type_hint: 'refresh_token', client_id: env.issuer.clientId }),
      });
      assert.equal(revoked.status, 200);
      env.expire();
      const results = await Promise.all(Array.from({ length: 5 }, () => call(env, tally)));
      for (const r of results) {
        assert.equal(r.code, 3, r.stderr);
        assert.match(r.stderr, /credshare login/);
        assert.ok(!r.stderr.includes(session.refreshToken));
      }
      assert.equal(env.home.readSession(), undefined, 'the dead session is removed');
      tally.sessionsLost++; // the issuer killed it; credshare only reports it
      assert.ok(env.issuer.stats().refreshRequests <= 2, `${env.issuer.stats().refreshRequests} requests`);
    });
  });

  fast('the local clock is 2 h ahead of the issuer: the rotated token is kept although the id_token looks expired', { timeout: 60_000 }, async (t) => {
    const env = await signedInHome({ timings: TIMINGS });
    t.after(() => env.close());
    await fault({ id: 'issuer/clock-ahead', area: 'issuer', fault: 'local clock 2 h ahead of the issuer (the id_token in the refresh answer looks expired)', expected: 'the refresh succeeds; the rotated token is stored; session kept', file }, async (tally) => {
      const skew = { NODE_OPTIONS: `--require ${path.join(__dirname, '..', 'support', 'clock-skew.cjs')}`, CREDSHARE_TEST_CLOCK_SKEW_MS: String(2 * 3600_000), CREDSHARE_DEBUG: '1' };
      const result = await call(env, tally, skew);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(env.issuer.stats().refreshRequests, 1);
      assert.ok(await countLost(env, tally), 'the rotated refresh token reached the store');
      tally.note(result.stderr.includes('failed a check') ? 'answer kept despite the id_token check' : 'no check failed');
      // And an ordinary process afterwards can refresh with it. (Its expiry, dated by the
      // skewed clock, lies 2 h ahead: made stale here so that the next call refreshes.)
      env.expire();
      const forced = await runCli(['token'], env.home.env);
      tally.tries++;
      assert.equal(forced.code, 0, forced.stderr);
      assert.ok(await countLost(env, tally));
    });
  });

  fast('50 processes against a down issuer: requests stay bounded and every process fails fast with the same message', { timeout: 120_000 }, async (t) => {
    const env = await signedInHome({ timings: TIMINGS });
    t.after(() => env.close());
    await fault({ id: 'issuer/down-50-processes', area: 'issuer', fault: 'issuer down, 50 credshare processes at once', expected: 'all exit 1 with the same message naming the URL, none waiting out the lock timeout; connection attempts bounded (3 per 5 s cool-down, not 50 x 3)', file }, async (tally) => {
      env.expire();
      const before = fs.readFileSync(env.home.paths.credentials, 'utf8');
      await env.issuer.stop();
      const started = performance.now();
      const results = await Promise.all(Array.from({ length: 50 }, () => call(env, tally, { CREDSHARE_DEBUG: '1' })));
      const wall = performance.now() - started;
      const message = (r: Finished) => r.stderr.split('\n').filter((l) => l.startsWith('credshare: ')).join('\n');
      const messages = new Set(results.map(message));
      const holders = results.filter((r) => /refreshing profile/.test(r.stderr)).length;
      const attempts = results.reduce((n, r) => n + (/refreshing profile/.test(r.stderr) ? 1 + (r.stderr.match(/retrying in/g) ?? []).length : 0), 0);
      tally.note(`${holders} process(es) asked the issuer, ${attempts} connection attempts in all, wall ${Math.round(wall)} ms, slowest ${Math.round(Math.max(...results.map((r) => r.ms)))} ms`);
      assert.ok(results.every((r) => r.code === 1), 'every process fails');
      assert.equal(messages.size, 1, `one message: ${[...messages].join(' | ')}`);
      assert.ok([...messages][0]!.includes(new URL(env.issuer.url).host));
      // One holder's 3 attempts; a process that starts after the 5 s cool-down may try again
      // (on two loaded cores, starting 50 processes alone can take longer than that).
      const bound = 3 * (1 + Math.ceil(wall / 5000));
      assert.ok(attempts <= bound, `bounded: ${attempts} attempts from ${holders} holder(s) in ${Math.round(wall)} ms (bound ${bound})`);
      assert.ok(results.every((r) => r.ms < TIMINGS.lockTimeoutMs), 'nobody waited for the lock timeout: they learned the failure');
      assertKept(env, before, tally);
    });
  });

  slow('50 processes against a token endpoint answering 503: the issuer sees a bounded number of requests', { timeout: 120_000 }, async (t) => {
    const env = await signedInHome({ timings: TIMINGS });
    t.after(() => env.close());
    await fault({ id: 'issuer/503-50-processes', area: 'issuer', fault: 'token endpoint answers 503, 50 credshare processes at once', expected: 'all exit 1 with the same message; requests bounded (3 per holder, few holders); credentials kept; session alive after', file }, async (tally) => {
      env.expire();
      env.issuer.setTokenEndpointFault({ kind: 'status', status: 503 });
      const results = await Promise.all(Array.from({ length: 50 }, () => call(env, tally)));
      const requests = env.issuer.stats().refreshRequests;
      tally.note(`${requests} requests for 50 processes; message: ${results[0]!.stderr.trim()}`);
      assert.ok(results.every((r) => r.code === 1));
      assert.equal(new Set(results.map((r) => r.stderr)).size, 1, 'one message');
      assert.match(results[0]!.stderr, /HTTP 503/);
      assert.ok(requests <= 6, `bounded: ${requests}`);
      env.issuer.setTokenEndpointFault(null);
      assert.ok(await countLost(env, tally));
    });
  });
}
