// Issue 15.1: `login`, `status` and `doctor` say how long the issuer's access tokens live and which
// refresh margin follows, and say so when the configured tolerance is at or above that lifetime.
// The sign-in records the issuer's lifetime, its expiry dated from the device-code poll that got it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EmbeddedIssuer, approveDeviceCode, behavioursNamed } from '../../src/issuer/embedded-issuer';
import { runCli, startCli } from '../support/processes';
import { deviceCodeOf, emptyHome } from './login-helpers';

async function signIn(t: { after(fn: () => Promise<void> | void): void }, issuer: EmbeddedIssuer) {
  t.after(() => issuer.stop());
  const home = emptyHome();
  t.after(() => home.remove());
  const cli = startCli(['login', '--device', '--issuer', issuer.url, '--client-id', issuer.clientId, '--host', 'artifacts.example.com'], home.env);
  await approveDeviceCode(issuer.url, await deviceCodeOf(cli), 'erin');
  const approved = Date.now();
  const result = await cli.done;
  assert.equal(result.code, 0, result.stderr);
  return { home, result, approved, ended: Date.now() };
}

test('an issuer whose tokens live 300 s under the default 300 s tolerance: login, status and doctor say the margin is half the lifetime', { timeout: 60_000 }, async (t) => {
  const issuer = await EmbeddedIssuer.start({ behaviours: behavioursNamed(['ttl-300']) });
  const { home, result, ended } = await signIn(t, issuer);
  t.diagnostic(`login: ${result.stderr.split('\n').filter((l) => l.startsWith('Note:')).join(' | ')}`);
  assert.ok(result.stderr.includes(`Note: ${issuer.url} issues access tokens that live 5m 0s, and the profile's refresh tolerance (refreshToleranceSeconds 300) `
    + 'is at or above that: credshare refreshes each token 2m 30s before it expires (half its lifetime) instead. '
    + `To use each token longer, lower "refreshToleranceSeconds" in ${home.home}/config.json.`), result.stderr);
  const session = home.session()!;
  assert.equal(session.lifetimeSeconds, 300, 'the issuer\'s expires_in is recorded');
  // Dated from the poll that got the tokens, which was sent before the CLI finished.
  assert.ok(session.expiresAt <= ended + 300_000, 'not dated from after the answer');

  const status = await runCli(['status'], home.env);
  t.diagnostic(`status: ${status.stdout.split('\n').find((l) => l.startsWith('Refresh:'))}`);
  assert.match(status.stdout, /^Refresh: {2}2m 30s before expiry \(half the lifetime\): the profile's tolerance \(5m 0s\) is at or above the lifetime of the issuer's access tokens \(5m 0s\)$/m);
  const json = JSON.parse((await runCli(['status', '--json'], home.env)).stdout);
  assert.deepEqual([json.lifetimeSeconds, json.refreshMarginSeconds], [300, 150]);
  const doctor = await runCli(['doctor'], home.env);
  const row = doctor.stdout.split('\n').find((l) => l.startsWith('Refresh '));
  t.diagnostic(`doctor: ${row}`);
  assert.match(row ?? '', /^Refresh +2m 30s before expiry \(half the lifetime\): the profile's tolerance \(5m 0s\) is at or above the lifetime of the issuer's access tokens \(5m 0s\)$/);
  assert.doesNotMatch(row!, /!!/, 'handled, so not a problem doctor flags');

  // The token just issued is fresh: the next call refreshes nothing (before, every call did).
  assert.equal((await runCli(['token'], home.env)).stdout.trim(), session.accessToken);
  assert.equal(issuer.stats().refreshRequests, 0);
});

test('tokens that outlive the tolerance: login says nothing about it, doctor names the tolerance and the lifetime', { timeout: 60_000 }, async (t) => {
  const issuer = await EmbeddedIssuer.start({ accessTokenTtlSeconds: 3600 });
  const { home, result } = await signIn(t, issuer);
  assert.doesNotMatch(result.stderr, /refreshToleranceSeconds/);
  assert.equal(home.session()!.lifetimeSeconds, 3600);
  const doctor = await runCli(['doctor'], home.env);
  assert.match(doctor.stdout, /^Refresh +5m 0s before expiry \(the profile's tolerance; the issuer's access tokens live 1h 0m\)$/m);
});
