// Revocation that demands client authentication (RFC 7009 section 2.1; glewlwyd and many
// enterprise issuers), against the real embedded oidc-provider with a confidential client.
// A profile without the secret cannot revoke: logout says so plainly and still signs out
// here (exit 0), doctor says revocation is not available to this client.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../support/processes';
import { assertNoSecrets } from './login-helpers';
import { reachHome } from './issuer-reach-helpers';

const SECRET = 'the-secret-this-profile-lacks';

test('metadata that lists no "none" for revocation: logout sends nothing, removes the session and says the token stays valid', { timeout: 60_000 }, async (t) => {
  const env = await reachHome({ clientSecret: SECRET, revocationAuthMethods: ['client_secret_basic', 'client_secret_post'] });
  t.after(() => env.close());
  const doctor = await runCli(['doctor'], env.home.env);
  assert.match(doctor.stdout, /revocation not available to this client \(the issuer demands client authentication; no client secret\)/);
  assert.doesNotMatch(doctor.stdout, /revocation yes/);

  const logout = await runCli(['logout'], env.home.env);
  assert.equal(logout.code, 0, logout.stderr);
  assert.match(logout.stdout, /Signed out of profile "default" \(Alice Example\)\./);
  assert.match(logout.stderr, /Revocation is not available to this client: the issuer accepts revocation only with client authentication \(client_secret_basic, client_secret_post\), and this profile has no client secret\. /);
  assert.match(logout.stderr, /its refresh token stays valid at http:\/\/127\.0\.0\.1:\d+ until it expires/);
  assert.equal(env.issuer.stats().revocations, 0, 'no request the issuer would refuse');
  assert.equal(env.home.readSession(), undefined, 'removed here');
  assert.equal(await env.issuer.isRefreshTokenUsable(env.session.refreshToken), true, 'and, as said, still valid at the issuer');
  assertNoSecrets(logout.stdout + logout.stderr + doctor.stdout, env.session);
});

test('a public client answered 401 at revocation: logout says revocation is not available, exit 0, session removed', { timeout: 60_000 }, async (t) => {
  // oidc-provider publishes no revocation_endpoint_auth_methods_supported, so credshare tries
  // as a public client and the provider, which knows the client is confidential, answers 401.
  const env = await reachHome({ clientSecret: SECRET });
  t.after(() => env.close());
  const logout = await runCli(['logout'], env.home.env);
  assert.equal(logout.code, 0, logout.stderr);
  assert.match(logout.stdout, /Signed out of profile "default"/);
  assert.match(logout.stderr, /Revocation is not available to this client: the issuer answered 401: it demands client authentication, and this profile has no client secret\./);
  assert.match(logout.stderr, /stays valid at .* until it expires/);
  assert.equal(env.issuer.stats().revocations, 1);
  assert.equal(env.home.readSession(), undefined);
  assert.equal(await env.issuer.isRefreshTokenUsable(env.session.refreshToken), true);
});

test('with the secret, the same issuer revokes: the method comes from revocation_endpoint_auth_methods_supported', { timeout: 60_000 }, async (t) => {
  const env = await reachHome({ clientSecret: SECRET, clientAuthMethod: 'client_secret_post', revocationAuthMethods: ['client_secret_post'] },
    { clientSecret: SECRET, tokenEndpointAuthMethod: 'client_secret_post' });
  t.after(() => env.close());
  const doctor = await runCli(['doctor'], env.home.env);
  assert.match(doctor.stdout, /revocation yes \(authenticated with client_secret_post\)/);
  const logout = await runCli(['logout'], env.home.env);
  assert.equal(logout.code, 0, logout.stderr);
  assert.match(logout.stdout, /Revoked the refresh token at/);
  assert.equal(await env.issuer.isRefreshTokenUsable(env.session.refreshToken), false);
});

test('a client authentication error on refresh (401 invalid_client, a parseable body) is a client refusal that keeps the session and says what to try', { timeout: 60_000 }, async (t) => {
  const env = await reachHome({ clientSecret: SECRET });
  t.after(() => env.close());
  env.home.expire();
  const token = await runCli(['token'], env.home.env);
  assert.equal(token.code, 1, token.stderr);
  assert.match(token.stderr, /refused the client "credshare-cli" \(no client authentication, method none\) \(HTTP 401 invalid_client: client authentication failed\)\. Your session is kept; its refresh token was not spent\. credshare sent no client secret \(method none\): if the issuer registered "credshare-cli" as a confidential client, give its secret with `credshare login --client-secret-stdin`; otherwise check the client id\./);
  assert.equal(env.home.readSession()?.refreshToken, env.session.refreshToken, 'kept');
});
