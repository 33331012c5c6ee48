// credshare against an OpenID provider this project did not write: Debian's glewlwyd (C, 2.7.x),
// started on 127.0.0.1 with a scratch sqlite database, configured through its own admin API,
// signed in to with the device flow approved in its own login pages (Debian's chromium), then
// an expired-token race of 50 real `credshare token` processes counted at a proxy in front of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, startCli, type Finished } from '../support/processes';
import { assertNoSecrets, authorizationUrlOf, deviceCodeOf, emptyHome } from '../integration/login-helpers';
import { missingPieces } from './glewlwyd/install';
import { freePort, startGlewlwyd, type Glewlwyd } from './glewlwyd/server';
import { launchUserBrowser, type UserBrowser } from './glewlwyd/approve';
import { CONFIDENTIAL_CLIENT, PUBLIC_CLIENT_ID, USER } from './glewlwyd/admin';

/** Access token lifetime at glewlwyd: short, so the test lets the signed-in token really expire. */
const ACCESS_TOKEN_SECONDS = 30;
/** What `credshare token` asks for: well under the lifetime, so one refresh serves the whole race. */
const MIN_VALIDITY = '5';
const RACERS = 50;

// Skips on a developer machine without the packages; CI sets CREDSHARE_REQUIRE_GLEWLWYD=1 so a
// missing package fails the run instead of passing it unseen.
const missing = missingPieces();
const required = process.env.CREDSHARE_REQUIRE_GLEWLWYD === '1';
const skip = missing && !required ? missing : undefined;
if (missing && required) throw new Error(`CREDSHARE_REQUIRE_GLEWLWYD=1 but ${missing}`);

type Home = ReturnType<typeof emptyHome>;

/** Signs in with `credshare login --device`, approving the code in glewlwyd's own pages. */
async function signIn(server: Glewlwyd, home: Home, browser: UserBrowser, client: string[] = ['--client-id', PUBLIC_CLIENT_ID], input?: string): Promise<Finished> {
  const cli = startCli(['login', '--device', '--no-open', '--issuer', server.issuer, ...client], home.env, input);
  const code = await deviceCodeOf(cli);
  const uri = (await cli.waitForStderr(/open (http\S+) on any device/))[1]!;
  await browser.approveDeviceCode(uri, code, USER);
  return cli.done;
}

/** glewlwyd's answer to an access token at its userinfo endpoint. */
async function userinfo(server: Glewlwyd, accessToken: string): Promise<{ status: number; sub?: string }> {
  const res = await fetch(`${server.issuer}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
  return { status: res.status, sub: res.ok ? ((await res.json()) as { sub: string }).sub : undefined };
}

/** Presents a refresh token at glewlwyd's token endpoint directly (as a thief, or the test, would). */
async function presentRefreshToken(server: Glewlwyd, refreshToken: string, client = { id: PUBLIC_CLIENT_ID, secret: '' }): Promise<{ status: number; body: string }> {
  const basic = client.secret ? { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` } : undefined;
  const res = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...basic },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, ...(basic ? {} : { client_id: client.id }) }),
  });
  return { status: res.status, body: await res.text() };
}

test('glewlwyd (Debian): device sign-in in its own pages, then 50 processes on an expired token make one refresh', { skip, timeout: 170_000 }, async (t) => {
  const serverStarted = performance.now();
  const server = await startGlewlwyd({ accessTokenSeconds: ACCESS_TOKEN_SECONDS });
  t.after(() => server.stop());
  t.diagnostic(`glewlwyd answering after ${server.startMs.toFixed(0)} ms, configured through its admin API after ${server.configureMs.toFixed(0)} ms more `
    + `(${(performance.now() - serverStarted).toFixed(0)} ms in all, database and web app copy included)`);
  const home = emptyHome();
  t.after(() => home.remove());
  const browser = await launchUserBrowser();
  t.after(() => browser.close());

  const signInStarted = performance.now();
  const login = await signIn(server, home, browser);
  assert.equal(login.code, 0, login.stderr);
  t.diagnostic(`sign-in (device code typed into glewlwyd's page, password, scope grant): ${(performance.now() - signInStarted).toFixed(0)} ms`);
  assert.match(login.stderr + login.stdout, new RegExp(`Signed in to profile "default" as ${USER.name}`));
  const first = home.session()!;
  assertNoSecrets(login.stdout + login.stderr, first);
  assert.equal(server.proxy.count('urn:ietf:params:oauth:grant-type:device_code') >= 1, true, 'credshare polled glewlwyd\'s token endpoint');
  assert.equal((await userinfo(server, first.accessToken)).status, 200, 'glewlwyd accepts the signed-in token');

  // Let the access token really run out, at glewlwyd as in the store.
  await new Promise((r) => setTimeout(r, Math.max(0, first.expiresAt - Date.now()) + 1500));
  assert.equal((await userinfo(server, first.accessToken)).status, 401, 'glewlwyd refuses the expired token');

  const refreshesBefore = server.proxy.count('refresh_token');
  const issuedBefore = server.logLines(/Refresh token generated/).length;
  const raceStarted = performance.now();
  const results = await Promise.all(Array.from({ length: RACERS }, () => runCli(['token', '--min-validity', MIN_VALIDITY], home.env)));
  const wallMs = performance.now() - raceStarted;
  const refreshes = server.proxy.tokenRequests.slice(refreshesBefore).filter((r) => r.grantType === 'refresh_token');
  const failures = results.filter((r) => r.code !== 0);
  t.diagnostic(`race: ${RACERS} processes, ${refreshes.length} refresh request(s) reached glewlwyd `
    + `(its log: ${server.logLines(/Refresh token generated/).length - issuedBefore} refresh token(s) issued), `
    + `${failures.length} failure(s), wall ${wallMs.toFixed(0)} ms`);
  assert.deepEqual(failures.map((f) => f.stderr), [], 'every process printed a token');
  assert.deepEqual(refreshes.map((r) => r.status), [200], 'exactly one refresh request reached glewlwyd, and it succeeded');
  const tokens = new Set(results.map((r) => r.stdout.trim()));
  assert.equal(tokens.size, 1, 'every process printed the same token');
  const [token] = tokens;
  assert.notEqual(token, first.accessToken);
  assert.equal(server.logLines(/Token invalid/).length, 0, 'glewlwyd saw no reused or invalid token');

  // The session is alive: the next process needs no refresh, glewlwyd accepts the token, and the
  // rotated refresh token works when a refresh is due.
  const again = await runCli(['token', '--min-validity', MIN_VALIDITY], home.env);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout.trim(), token);
  const info = await userinfo(server, token!);
  assert.equal(info.status, 200, 'glewlwyd accepts the raced token at userinfo');
  const forced = await runCli(['token', '--min-validity', String(ACCESS_TOKEN_SECONDS + 60)], home.env);
  assert.equal(forced.code, 0, forced.stderr);
  assert.notEqual(forced.stdout.trim(), token, 'a refresh was due: a new token');
  assert.equal(server.proxy.count('refresh_token') - refreshesBefore, 2, 'that second refresh reached glewlwyd');
  assert.equal(server.proxy.tokenRequests.at(-1)!.status, 200, 'and glewlwyd honoured the rotated refresh token');

  // Refused refresh. Someone presents the refresh token of before the race a second time: glewlwyd
  // treats the chain as stolen and disables its last token, the one credshare holds.
  const replay = await presentRefreshToken(server, first.refreshToken);
  t.diagnostic(`glewlwyd's answer to a reused refresh token: HTTP ${replay.status}, body ${JSON.stringify(replay.body)}`);
  assert.equal(replay.status, 400);
  const sent = server.proxy.count('refresh_token');
  const refused = await runCli(['token', '--min-validity', String(ACCESS_TOKEN_SECONDS + 60)], home.env);
  const refusal = server.proxy.tokenRequests.at(-1)!;
  t.diagnostic(`credshare on that refusal: exit ${refused.code}, "${refused.stderr.trim()}"; glewlwyd answered HTTP ${refusal.status} with ${refusal.body.length} body bytes`);
  assert.equal(server.proxy.count('refresh_token'), sent + 1, 'credshare presented its (now disabled) refresh token once');
  assert.equal(refused.code, 3, 'a bare 400 to a refresh means sign in again');
  assert.match(refused.stderr, /sign in again|credshare login/i);
  const stillRefused = await runCli(['token'], home.env);
  assert.equal(stillRefused.code, 3, stillRefused.stderr);
  assert.equal(server.proxy.count('refresh_token'), sent + 1, 'the refused refresh token is never presented again');
  const status = await runCli(['status'], home.env);
  t.diagnostic(`status after the refusal: exit ${status.code}: ${status.stdout.trim().replace(/\n/g, ' | ')}`);
  assert.match(status.stdout + status.stderr, /refused|signed out/i);

  // Sign in again (glewlwyd's session cookie is still in the browser), then sign out. glewlwyd's
  // metadata says its revocation endpoint takes client_secret_basic only, so a public client cannot
  // revoke: doctor and logout must say so, and the refresh token indeed stays valid there.
  const relogin = await signIn(server, home, browser);
  assert.equal(relogin.code, 0, relogin.stderr);
  const doctor = await runCli(['doctor'], home.env);
  const revocationRow = doctor.stdout.split('\n').filter((l) => /revoc/i.test(l)).join(' | ');
  t.diagnostic(`doctor on revocation: ${revocationRow}`);
  assert.match(revocationRow, /not available/i);
  const kept = home.session()!;
  const logout = await runCli(['logout'], home.env);
  t.diagnostic(`logout: exit ${logout.code}, "${(logout.stdout + logout.stderr).trim().replace(/\n/g, ' ')}"; revocation requests seen: ${JSON.stringify(server.proxy.requestsTo('/revoke'))}`);
  assert.equal(logout.code, 0, logout.stderr);
  assert.match(logout.stdout + logout.stderr, /stays valid/);
  assert.equal(home.session(), undefined, 'the session is gone from credentials.json');
  assertNoSecrets(logout.stdout + logout.stderr + doctor.stdout + status.stdout, kept);
  assert.equal((await presentRefreshToken(server, kept.refreshToken)).status, 200, 'as logout said: glewlwyd still honours that refresh token');
});

test('glewlwyd (Debian): a client with a secret signs in, refreshes and revokes at logout with client_secret_basic', { skip, timeout: 90_000 }, async (t) => {
  const server = await startGlewlwyd({ accessTokenSeconds: ACCESS_TOKEN_SECONDS });
  t.after(() => server.stop());
  const home = emptyHome();
  t.after(() => home.remove());
  const browser = await launchUserBrowser();
  t.after(() => browser.close());

  const login = await signIn(server, home, browser, ['--client-id', CONFIDENTIAL_CLIENT.id, '--client-secret-stdin'], `${CONFIDENTIAL_CLIENT.secret}\n`);
  assert.equal(login.code, 0, login.stderr);
  assert.ok(!(login.stdout + login.stderr).includes(CONFIDENTIAL_CLIENT.secret), 'the secret is never printed');
  const refreshed = await runCli(['token', '--min-validity', String(ACCESS_TOKEN_SECONDS + 60)], home.env);
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

test('glewlwyd (Debian): browser sign-in, where glewlwyd matches the registered redirect URI exactly, port included', { skip, timeout: 90_000 }, async (t) => {
  const port = await freePort();
  const redirectUri = `http://127.0.0.1:${port}/callback`;
  const server = await startGlewlwyd({ accessTokenSeconds: ACCESS_TOKEN_SECONDS, redirectUri });
  t.after(() => server.stop());
  const home = emptyHome();
  t.after(() => home.remove());
  const browser = await launchUserBrowser();
  t.after(() => browser.close());
  const client = ['--issuer', server.issuer, '--client-id', PUBLIC_CLIENT_ID];

  // On a random loopback port (credshare's default) the redirect URI is not the registered one.
  const randomPort = startCli(['login', '--browser', '--no-open', '--timeout', '3', ...client], home.env);
  const refusedUrl = await authorizationUrlOf(randomPort);
  assert.notEqual(refusedUrl.searchParams.get('redirect_uri'), redirectUri);
  const refused = await fetch(refusedUrl, { redirect: 'manual' });
  const location = refused.headers.get('location') ?? '';
  t.diagnostic(`glewlwyd on an unregistered redirect URI: HTTP ${refused.status}, Location ${location || '(none)'}`);
  assert.ok(!location.startsWith(refusedUrl.searchParams.get('redirect_uri')!), 'glewlwyd never sends the browser to an unregistered redirect URI');
  assert.equal((await randomPort.done).code, 1, 'that sign-in cannot complete');

  // With --redirect-port the redirect URI is exactly the registered one, and the sign-in completes.
  const started = performance.now();
  const cli = startCli(['login', '--browser', '--no-open', '--redirect-port', String(port), ...client], home.env);
  const url = await authorizationUrlOf(cli);
  assert.equal(url.searchParams.get('redirect_uri'), redirectUri);
  await browser.authorize(url.href, redirectUri, USER);
  const login = await cli.done;
  assert.equal(login.code, 0, login.stderr);
  t.diagnostic(`browser sign-in (authorization code + PKCE, password, grant): ${(performance.now() - started).toFixed(0)} ms`);
  assert.equal(home.config().profiles.default.redirectPort, port, 'the port is kept in the profile for the next sign-in');
  const token = await runCli(['token'], home.env);
  assert.equal(token.code, 0, token.stderr);
  assert.equal((await userinfo(server, token.stdout.trim())).status, 200);
});
