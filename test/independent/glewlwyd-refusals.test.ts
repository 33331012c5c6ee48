// What Debian's glewlwyd (2.7.5) really answers to a refresh credshare cannot use, and what
// credshare makes of it (the refusal table, src/core/oauth/refusal-table.ts):
// - an expired refresh token (its lifetime set to 20 s here), and an unknown one: HTTP 400 with
//   an empty body ("bare-refusal": sign in again, exit 3; nothing presented again);
// - a refresh with a wrong client secret: the same empty 400, and glewlwyd disables the token
//   before answering, so the session is really gone (a right secret is refused afterwards);
// - a sign-in with a wrong client secret: 403 {"error":"unauthorized_client"} at the device
//   endpoint, which credshare reports as a refused client, with the method and what to try.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../support/processes';
import { assertNoSecrets } from '../integration/login-helpers';
import { CONFIDENTIAL_CLIENT, PUBLIC_CLIENT_ID } from './glewlwyd/admin';
import { presentRefreshToken, scratch, signIn, skipUnlessInstalled, type Home } from './glewlwyd/steps';

const REFRESH_TOKEN_SECONDS = 20;
const skip = skipUnlessInstalled();

function expireAccessToken(home: Home): void {
  const file = path.join(home.home, 'credentials.json');
  const document = JSON.parse(fs.readFileSync(file, 'utf8'));
  document.sessions.default.expiresAt = Date.now() - 1000;
  fs.writeFileSync(file, JSON.stringify(document), { mode: 0o600 });
}

test('glewlwyd (Debian): expired, unknown and wrong-secret refreshes, a wrong secret at sign-in', { skip, timeout: 170_000 }, async (t) => {
  const { server, home, browser } = await scratch(t, { refreshTokenSeconds: REFRESH_TOKEN_SECONDS });
  const refreshes = () => server.proxy.count('refresh_token');

  // An unknown refresh token, straight at glewlwyd: what every dead token looks like there.
  const unknown = await presentRefreshToken(server, 'x'.repeat(128));
  t.diagnostic(`glewlwyd, unknown refresh token: HTTP ${unknown.status}, body ${JSON.stringify(unknown.body)}`);
  assert.deepEqual(unknown, { status: 400, body: '' });

  // A refresh with a wrong client secret (a secret rotated at glewlwyd, say).
  const login = await signIn(server, home, browser, ['--client-id', CONFIDENTIAL_CLIENT.id, '--client-secret-stdin'], `${CONFIDENTIAL_CLIENT.secret}\n`);
  assert.equal(login.code, 0, login.stderr);
  const confidential = home.session()!;
  const configFile = path.join(home.home, 'config.json');
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  config.profiles.default.clientSecret = 'a-rotated-away-secret';
  fs.writeFileSync(configFile, JSON.stringify(config), { mode: 0o600 });
  expireAccessToken(home);
  const sentBefore = refreshes();
  const wrongSecret = await runCli(['token'], home.env);
  const answer = server.proxy.tokenRequests.at(-1)!;
  t.diagnostic(`glewlwyd, refresh with a wrong secret: HTTP ${answer.status}, ${answer.body.length} body bytes; credshare: exit ${wrongSecret.code}, "${wrongSecret.stderr.trim()}"`);
  assert.deepEqual([answer.status, answer.body], [400, '']);
  assert.equal(wrongSecret.code, 3, 'glewlwyd\'s empty 400 means sign in again');
  assert.match(wrongSecret.stderr, /Signed out: http:\/\/\S+\/token refused the refresh token \(HTTP 400 with an empty body\), so the session was removed\. Sign in again: run `credshare login`\./);
  const withRightSecret = await presentRefreshToken(server, confidential.refreshToken, CONFIDENTIAL_CLIENT);
  t.diagnostic(`glewlwyd, the same refresh token with the right secret afterwards: HTTP ${withRightSecret.status}`);
  assert.equal(withRightSecret.status, 400, 'glewlwyd disabled the token on the wrong secret: the session really was gone');
  assert.equal(refreshes(), sentBefore + 2, 'credshare presented it once (the other request is the test\'s)');

  // Signing in with a wrong client secret: glewlwyd's device endpoint refuses the client.
  const badLogin = await runCli(['login', '--device', '--no-open', '--issuer', server.issuer, '--client-id', CONFIDENTIAL_CLIENT.id, '--client-secret-stdin'], home.env, 'a-wrong-secret\n');
  t.diagnostic(`sign-in with a wrong secret: exit ${badLogin.code}, "${badLogin.stderr.trim()}"`);
  assert.equal(badLogin.code, 1);
  assert.match(badLogin.stderr, /http:\/\/\S+\/device_authorization refused the client "credshare-with-secret" \(authenticated with client_secret_basic\) \(HTTP 403 unauthorized_client\)\. Check the client secret of "credshare-with-secret" \(sign in again with `credshare login --client-secret-stdin` to store the current one\); if the issuer takes the secret only in the request body, add `--token-endpoint-auth-method client_secret_post`\. If the secret is right, ask the issuer's administrator whether the client may use this flow\./);
  assert.ok(!badLogin.stderr.includes('a-wrong-secret'));

  // An expired refresh token (public client): sign in, let it run out, then refresh.
  const publicLogin = await signIn(server, home, browser, ['--client-id', PUBLIC_CLIENT_ID]);
  assert.equal(publicLogin.code, 0, publicLogin.stderr);
  const session = home.session()!;
  await new Promise((resolve) => setTimeout(resolve, REFRESH_TOKEN_SECONDS * 1000 + 1500));
  expireAccessToken(home);
  const sent = refreshes();
  const expired = await runCli(['token'], home.env);
  const expiredAnswer = server.proxy.tokenRequests.at(-1)!;
  t.diagnostic(`glewlwyd, expired refresh token: HTTP ${expiredAnswer.status}, ${expiredAnswer.body.length} body bytes; credshare: exit ${expired.code}, "${expired.stderr.trim()}"`);
  assert.deepEqual([expiredAnswer.status, expiredAnswer.body], [400, '']);
  assert.equal(expired.code, 3);
  assert.match(expired.stderr, /refused the refresh token \(HTTP 400 with an empty body\), so the session was removed\. Sign in again/);
  const again = await runCli(['token'], home.env);
  assert.equal(again.code, 3);
  assert.match(again.stderr, /^credshare: Signed out \d+s ago: http:\/\/\S+\/token refused the refresh token \(HTTP 400 with an empty body\)/);
  assert.equal(refreshes(), sent + 1, 'the dead token was presented once, never again');
  const status = await runCli(['status'], home.env);
  assert.match(status.stdout, /^Signed out \d+s ago: .*refused the refresh token \(HTTP 400 with an empty body\)/m);
  assertNoSecrets(wrongSecret.stderr + badLogin.stderr + expired.stderr + again.stderr + status.stdout, confidential, session);
});
