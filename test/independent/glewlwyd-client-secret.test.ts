// credshare against Debian's glewlwyd with a client secret (an installed-app secret, as Google's
// desktop clients have): sign-in with --client-secret-stdin, an authenticated refresh, and logout
// revoking the refresh token with client_secret_basic, the one method glewlwyd's revocation takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/processes';
import { assertNoSecrets } from '../integration/login-helpers';
import { CONFIDENTIAL_CLIENT } from './glewlwyd/admin';
import { expireStored, presentRefreshToken, scratch, signIn, skipUnlessInstalled } from './glewlwyd/steps';

const skip = skipUnlessInstalled();

test('glewlwyd (Debian): a client with a secret signs in, refreshes and revokes at logout with client_secret_basic', { skip, timeout: 90_000 }, async (t) => {
  const { server, home, browser } = await scratch(t);

  const login = await signIn(server, home, browser, ['--client-id', CONFIDENTIAL_CLIENT.id, '--client-secret-stdin'], `${CONFIDENTIAL_CLIENT.secret}\n`);
  assert.equal(login.code, 0, login.stderr);
  assert.ok(!(login.stdout + login.stderr).includes(CONFIDENTIAL_CLIENT.secret), 'the secret is never printed');
  expireStored(home);
  const refreshed = await runCli(['token'], home.env);
  assert.equal(refreshed.code, 0, refreshed.stderr);
  assert.deepEqual(server.proxy.tokenRequests.filter((r) => r.grantType === 'refresh_token').map((r) => r.status), [200], 'glewlwyd took the authenticated refresh');
  const doctor = await runCli(['doctor'], home.env);
  const revocationRow = doctor.stdout.split('\n').filter((l) => /revoc/i.test(l)).join(' | ');
  t.diagnostic(`doctor on revocation: ${revocationRow}`);
  const kept = home.session()!;
  const logout = await runCli(['logout'], home.env);
  t.diagnostic(`logout: exit ${logout.code}, "${(logout.stdout + logout.stderr).trim().replace(/\n/g, ' ')}"; revocation requests: ${JSON.stringify(server.proxy.requestsTo('/revoke'))}`);
  assert.equal(logout.code, 0, logout.stderr);
  assert.deepEqual(server.proxy.requestsTo('/revoke'), [{ method: 'POST', status: 200 }], 'one authenticated revocation request, accepted');
  assert.equal(home.session(), undefined);
  const after = await presentRefreshToken(server, kept.refreshToken, CONFIDENTIAL_CLIENT);
  t.diagnostic(`the revoked refresh token at glewlwyd's token endpoint: HTTP ${after.status}`);
  assert.equal(after.status, 400, 'glewlwyd no longer honours the revoked refresh token');
  assertNoSecrets(logout.stdout + logout.stderr + doctor.stdout, kept);
  assert.ok(!(doctor.stdout + logout.stdout + logout.stderr).includes(CONFIDENTIAL_CLIENT.secret));
});
