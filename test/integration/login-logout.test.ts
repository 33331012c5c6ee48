// `credshare logout`: revoke at the issuer, then remove the local session.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../support/processes';
import { signedInHome } from '../support/issuer-home';

test('logout revokes the refresh token at the issuer, then removes the session', { timeout: 30_000 }, async (t) => {
  const env = await signedInHome();
  t.after(() => env.close());
  const session = env.home.readSession()!;
  const result = await runCli(['logout'], env.home.env);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Signed out of profile "default" \(Alice Example\)\.\nRevoked the refresh token at http:\/\/127\.0\.0\.1:\d+\/token\/revocation\./);
  assert.equal(env.issuer.stats().revocations, 1);
  assert.equal(await env.issuer.isRefreshTokenUsable(session.refreshToken), false, 'the issuer refuses the revoked refresh token');
  assert.equal(env.home.readSession(), undefined);
  assert.equal((await runCli(['status'], env.home.env)).code, 3);
  const again = await runCli(['logout'], env.home.env);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /was not signed in/);
  assert.equal(env.issuer.stats().revocations, 1, 'nothing to revoke the second time');
});

test('a failed revocation still signs out locally, and says so', { timeout: 30_000 }, async (t) => {
  const env = await signedInHome();
  t.after(() => env.close());
  await env.issuer.stop(); // unreachable from now on
  const result = await runCli(['logout'], env.home.env);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Signed out of profile "default"/);
  assert.match(result.stderr, /Warning: could not revoke the refresh token at the issuer: Cannot reach http:\/\/127\.0\.0\.1:\d+ \(discovery\) \(ECONNREFUSED\)/);
  assert.match(result.stderr, /It was removed here all the same/);
  assert.equal(env.home.readSession(), undefined);
});

test('logout --no-revoke only removes the local session', { timeout: 30_000 }, async (t) => {
  const env = await signedInHome();
  t.after(() => env.close());
  const session = env.home.readSession()!;
  const result = await runCli(['logout', '--no-revoke'], env.home.env);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /not revoked \(--no-revoke\)/);
  assert.equal(env.issuer.stats().revocations, 0);
  assert.equal(await env.issuer.isRefreshTokenUsable(session.refreshToken), true);
  assert.equal(env.home.readSession(), undefined);
});
