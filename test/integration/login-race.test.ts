// Sign-in against concurrent refreshes and sign-outs, with real CLI processes and the
// real issuer. The rules (docs/architecture.md, "Sign-in races"): a refresh never
// overwrites a sign-in; a sign-in is stored even if a sign-out landed after it began;
// a sign-out removes whatever is stored when it runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { approveDeviceCode } from '../../src/issuer/embedded-issuer';
import { runCli, startCli, type Finished } from '../support/processes';
import { signedInHome, type SignedInHome } from '../support/issuer-home';
import { until } from '../support/fault-env';
import { deviceCodeOf } from './login-helpers';

const RACERS = 100;

/** What every round must show: nothing lost, nobody failed, at most one refresh, no reuse. */
async function checkRound(env: SignedInHome, round: string, account: string, signedIn: Finished, racers: Finished[]): Promise<string[]> {
  assert.equal(signedIn.code, 0, signedIn.stderr);
  assert.deepEqual(racers.filter((r) => r.code !== 0).map((r) => r.stderr), [], `${round}: every refreshing process succeeded`);
  const stored = env.home.readSession()!;
  assert.equal(stored.account.id, account, `${round}: the sign-in's session is the one stored`);
  assert.equal(await env.issuer.isRefreshTokenUsable(stored.refreshToken), true, `${round}: and it is alive at the issuer`);
  assert.equal(await env.issuer.isAccessTokenValid(stored.accessToken), true);
  const tokens = [...new Set(racers.map((r) => r.stdout.trim()))];
  assert.ok(tokens.length <= 2, `${round}: racers got the refreshed token or the sign-in's (${tokens.length} distinct)`);
  for (const token of tokens) assert.equal(await env.issuer.isAccessTokenValid(token), true, `${round}: every token handed out works`);
  const stats = env.issuer.stats();
  assert.ok(stats.refreshRequests <= 1, `${round}: at most one refresh request (${stats.refreshRequests})`);
  assert.equal(stats.reuseDetections, 0, `${round}: no refresh token was presented twice`);
  const gotSignIn = racers.filter((r) => r.stdout.trim() === stored.accessToken).length;
  return [`${round}: ${RACERS} racers, ${stats.refreshRequests} refresh request(s), ${gotSignIn} got the sign-in's token, ${RACERS - gotSignIn} the refreshed one`];
}

/** Starts `count` `credshare token` processes, one every `everyMs`, so they straddle the sign-in. */
function staggered(env: SignedInHome, count: number, everyMs: number): Promise<Finished[]> {
  return Promise.all(Array.from({ length: count }, async (_, i) => {
    await sleep(i * everyMs);
    return runCli(['token'], env.home.env);
  }));
}

test(`a sign-in racing with ${RACERS} refreshing CLI processes loses nothing`, { timeout: 240_000 }, async (t) => {
  // Generous request timeout: 100 processes starting at once can starve the issuer,
  // which lives in this test process, on a small machine.
  const env = await signedInHome({ timings: { requestTimeoutMs: 60_000 } });
  t.after(() => env.close());

  // Round 1: half the racers are waiting on the one refresh request (held in flight for
  // 1.5 s) when the user approves the sign-in; the other half start while it lands.
  env.expire();
  env.issuer.resetStats();
  env.issuer.setTokenEndpointFault({ kind: 'delay', ms: 1500 }, 1);
  let login = startCli(['login', '--device'], env.home.env);
  let code = await deviceCodeOf(login);
  const firstWave = staggered(env, RACERS / 2, 0);
  await until(() => env.issuer.stats().refreshRequests > 0, 'the refresh request', 60_000);
  await approveDeviceCode(env.issuer.url, code, 'bob');
  const secondWave = staggered(env, RACERS / 2, 50);
  let [signedIn, first, second] = await Promise.all([login.done, firstWave, secondWave]);
  for (const line of await checkRound(env, 'in flight', 'bob', signedIn!, [...first!, ...second!])) t.diagnostic(line);
  assert.equal(env.issuer.stats().refreshRequests, 1);

  // Round 2: no orchestration: the approved sign-in lands at its next poll, somewhere
  // among racers that start over two seconds on an expired token.
  env.expire();
  env.issuer.resetStats();
  login = startCli(['login', '--device'], env.home.env);
  code = await deviceCodeOf(login);
  await approveDeviceCode(env.issuer.url, code, 'carol');
  const racers = staggered(env, RACERS, 20);
  [signedIn, first] = await Promise.all([login.done, racers]);
  for (const line of await checkRound(env, 'unsynchronised', 'carol', signedIn!, first!)) t.diagnostic(line);

  // Afterwards everyone uses the sign-in's session, which is fresh: no refresh at all.
  env.issuer.resetStats();
  const after = await Promise.all(Array.from({ length: RACERS }, () => runCli(['token'], env.home.env)));
  assert.deepEqual(after.filter((r) => r.code !== 0).map((r) => r.stderr), []);
  assert.deepEqual([...new Set(after.map((r) => r.stdout.trim()))], [env.home.readSession()!.accessToken]);
  assert.equal(env.issuer.stats().refreshRequests, 0);
});

test('a refresh in flight never overwrites a sign-in, even after its lock was taken over (frozen holder)', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome({ timings: { lockStaleMs: 2000 } });
  t.after(() => env.close());
  env.expire();
  env.issuer.setTokenEndpointFault({ kind: 'delay', ms: 2500 }, 1);
  const victim = startCli(['token'], { ...env.home.env, CREDSHARE_DEBUG: '1' });
  await until(() => env.issuer.stats().refreshRequests > 0, 'the victim\'s refresh request');
  // Frozen like a laptop lid closed mid-refresh: it stops touching the lock, which goes stale.
  process.kill(victim.child.pid!, 'SIGSTOP');
  const login = startCli(['login', '--device'], env.home.env);
  await approveDeviceCode(env.issuer.url, await deviceCodeOf(login), 'ivy');
  const signedIn = await login.done;
  assert.equal(signedIn.code, 0, signedIn.stderr);
  const ivy = env.home.readSession()!;
  assert.equal(ivy.account.id, 'ivy');
  process.kill(victim.child.pid!, 'SIGCONT');
  const refreshed = await victim.done;
  assert.equal(refreshed.code, 0, refreshed.stderr);
  assert.match(refreshed.stderr, /changed while refreshing; keeping the newer session/);
  assert.equal(refreshed.stdout.trim(), ivy.accessToken, 'the refresher hands out the sign-in\'s token, not its own');
  assert.deepEqual(env.home.readSession(), ivy, 'the sign-in is still what is stored');
  assert.equal(await env.issuer.isRefreshTokenUsable(ivy.refreshToken), true);
  assert.equal(env.issuer.stats().refreshSuccesses, 1, 'the issuer did answer the frozen refresh');
  assert.equal(env.issuer.stats().reuseDetections, 0);
});

test('a sign-in is stored even though another process signed out after it began; a later sign-out removes it', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome();
  t.after(() => env.close());
  const alice = env.home.readSession()!;
  const login = startCli(['login', '--device'], env.home.env);
  const code = await deviceCodeOf(login);
  const signedOut = await runCli(['logout'], env.home.env);
  assert.equal(signedOut.code, 0, signedOut.stderr);
  assert.equal(env.home.readSession(), undefined);
  assert.equal(await env.issuer.isRefreshTokenUsable(alice.refreshToken), false, 'the old session is revoked');

  await approveDeviceCode(env.issuer.url, code, 'judy');
  const signedIn = await login.done;
  assert.equal(signedIn.code, 0, signedIn.stderr);
  const judy = env.home.readSession()!;
  assert.equal(judy.account.id, 'judy', 'the sign-in the user approved after the sign-out is kept');
  assert.equal(await env.issuer.isRefreshTokenUsable(judy.refreshToken), true, 'and the earlier revocation did not touch it');
  assert.notEqual(judy.refreshToken, alice.refreshToken);

  assert.equal((await runCli(['logout'], env.home.env)).code, 0);
  assert.equal(env.home.readSession(), undefined);
  assert.equal(await env.issuer.isRefreshTokenUsable(judy.refreshToken), false);
});
