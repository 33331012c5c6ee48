// Installed-app client secrets (Google's desktop clients, GitHub Apps): a confidential
// client at the real embedded oidc-provider, which demands the secret at the token
// endpoint (sign-in, refresh) and at the revocation endpoint. The secret is never printed.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { EmbeddedIssuer, approveDeviceCode, authorizeInBrowser } from '../../src/issuer/embedded-issuer';
import { runCli, startCli } from '../support/processes';
import { authorizationUrlOf, deviceCodeOf, emptyHome } from './login-helpers';
import { reachHome } from './issuer-reach-helpers';

const SECRET = 'installed-app-s3cret-0123456789';

test('signs in, refreshes and revokes with client_secret_basic, the secret read from stdin and never printed', { timeout: 90_000 }, async (t) => {
  const issuer = await EmbeddedIssuer.start({ accessTokenTtlSeconds: 300, clientSecret: SECRET });
  const home = emptyHome();
  t.after(async () => { await issuer.stop(); home.remove(); });
  const cli = startCli(['login', '--device', '--issuer', issuer.url, '--client-id', issuer.clientId, '--client-secret-stdin'], home.env, `${SECRET}\n`);
  await approveDeviceCode(issuer.url, await deviceCodeOf(cli), 'alice');
  const login = await cli.done;
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stdout, /Signed in to profile "default" as alice@example\.test \(Alice Example, alice\)/);
  assert.equal(home.config().profiles.default.clientSecret, SECRET, 'saved in the profile');
  assert.equal(fs.statSync(`${home.home}/config.json`).mode & 0o777, 0o600, 'config.json holding a secret is 0600');
  const outputs = [login.stdout, login.stderr];

  // Refresh: the provider refuses the client without its secret, so a success proves it was sent.
  const first = home.session()!;
  const expired = JSON.parse(fs.readFileSync(`${home.home}/credentials.json`, 'utf8'));
  expired.sessions.default.expiresAt = Date.now() - 1000;
  fs.writeFileSync(`${home.home}/credentials.json`, JSON.stringify(expired), { mode: 0o600 });
  const token = await runCli(['token'], home.env);
  assert.equal(token.code, 0, token.stderr);
  assert.notEqual(token.stdout.trim(), first.accessToken);
  assert.deepEqual([issuer.stats().refreshSuccesses, issuer.stats().refreshFailures], [1, 0]);

  for (const command of [['status'], ['status', '--json'], ['profiles'], ['profiles', '--json'], ['doctor']]) {
    const result = await runCli(command, home.env);
    outputs.push(result.stdout, result.stderr);
    if (command[0] !== 'doctor' || command.length > 1) continue;
    assert.match(result.stdout, /client secret: set/);
    assert.match(result.stdout, /revocation yes \(authenticated with client_secret_basic\)/);
  }
  assert.match((await runCli(['status'], home.env)).stdout, /^Client: +client secret: set$/m);

  const session = home.session()!;
  const logout = await runCli(['logout'], home.env);
  outputs.push(logout.stdout, logout.stderr);
  assert.equal(logout.code, 0, logout.stderr);
  assert.match(logout.stdout, /Revoked the refresh token at http:\/\/127\.0\.0\.1:\d+\/token\/revocation\./);
  assert.equal(await issuer.isRefreshTokenUsable(session.refreshToken), false, 'revoked at the issuer');
  for (const text of outputs) assert.ok(!text.includes(SECRET), `the secret was printed:\n${text}`);
});

test('with no method configured, uses client_secret_post where the metadata lists only that', { timeout: 60_000 }, async (t) => {
  const env = await reachHome({ clientSecret: SECRET, clientAuthMethod: 'client_secret_post', clientAuthMethods: ['none', 'client_secret_post'] }, { clientSecret: SECRET });
  t.after(() => env.close());
  env.home.expire();
  const token = await runCli(['token'], env.home.env);
  assert.equal(token.code, 0, token.stderr);
  assert.equal(env.issuer.stats().refreshSuccesses, 1);
  const logout = await runCli(['logout'], env.home.env);
  assert.equal(logout.code, 0, logout.stderr);
  assert.match(logout.stdout, /Revoked the refresh token/);
  assert.equal(await env.issuer.isRefreshTokenUsable(env.home.readSession()?.refreshToken ?? ''), false);
});

test('login refuses a secret method without a secret, and an unknown method, as usage errors naming the flag', { timeout: 30_000 }, async (t) => {
  const home = emptyHome();
  t.after(() => home.remove());
  const basic = await runCli(['login', '--issuer', 'https://login.example.com', '--client-id', 'cli', '--token-endpoint-auth-method', 'client_secret_basic'], home.env);
  assert.equal(basic.code, 2);
  assert.match(basic.stderr, /--token-endpoint-auth-method is client_secret_basic, which needs a "clientSecret"/);
  const unknown = await runCli(['login', '--issuer', 'https://login.example.com', '--client-id', 'cli', '--token-endpoint-auth-method', 'private_key_jwt'], home.env);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--token-endpoint-auth-method must be one of none, client_secret_basic, client_secret_post/);
  const empty = await runCli(['login', '--issuer', 'https://login.example.com', '--client-id', 'cli', '--client-secret-stdin'], home.env, '\n');
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /--client-secret-stdin read no secret/);
  assert.equal(fs.existsSync(`${home.home}/config.json`), false, 'nothing saved');
  const help = await runCli(['login', '--help'], home.env);
  for (const flag of ['--client-secret-stdin', '--token-endpoint-auth-method', '--redirect-port', '--authorization-endpoint', '--token-endpoint',
    '--device-authorization-endpoint', '--revocation-endpoint', '--userinfo-endpoint']) assert.ok(help.stdout.includes(flag), `login --help lists ${flag}`);
});

test('a config.json with a bad client field is refused with a message naming the file and the field', { timeout: 30_000 }, async (t) => {
  const env = await reachHome({}, { tokenEndpointAuthMethod: 'client_secret_jwt' });
  t.after(() => env.close());
  const result = await runCli(['token'], env.home.env);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /config\.json: profile "default": "tokenEndpointAuthMethod" must be one of none, client_secret_basic, client_secret_post/);
  for (const [fields, message] of [
    [{ redirectPort: 70000 }, /"redirectPort" must be a port number/],
    [{ endpoints: { authorization: 'https://x.example/auth' } }, /"endpoints" must give at least "token"/],
    [{ endpoints: { token: 'not a url' } }, /"endpoints\.token" must be a URL/],
    [{ clientSecret: 42 }, /"clientSecret" must be a non-empty string/],
  ] as const) {
    const config = JSON.parse(fs.readFileSync(env.home.paths.config, 'utf8'));
    config.profiles.default = { issuer: env.issuer.url, clientId: env.issuer.clientId, ...fields };
    fs.writeFileSync(env.home.paths.config, JSON.stringify(config));
    const bad = await runCli(['status'], env.home.env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, message);
  }
});

test('the browser flow redeems its code with the secret (client_secret_post, as configured), on a fixed redirect port', { timeout: 60_000 }, async (t) => {
  const issuer = await EmbeddedIssuer.start({ clientSecret: SECRET, clientAuthMethod: 'client_secret_post' });
  const home = emptyHome();
  t.after(async () => { await issuer.stop(); home.remove(); });
  const port = await freePort();
  const cli = startCli(['login', '--browser', '--no-open', '--issuer', issuer.url, '--client-id', issuer.clientId, '--client-secret-stdin',
    '--token-endpoint-auth-method', 'client_secret_post', '--redirect-port', String(port)], home.env, `${SECRET}\n`);
  const url = await authorizationUrlOf(cli);
  assert.equal(url.searchParams.get('redirect_uri'), `http://127.0.0.1:${port}/callback`);
  assert.equal(url.searchParams.get('client_secret'), null, 'the secret is never in the browser\'s URL');
  assert.equal((await fetch(await authorizeInBrowser(url.href, 'alice'))).status, 200);
  const login = await cli.done;
  assert.equal(login.code, 0, login.stderr);
  assert.ok(!(login.stdout + login.stderr).includes(SECRET));
  assert.deepEqual(
    [home.config().profiles.default.clientSecret, home.config().profiles.default.tokenEndpointAuthMethod, home.config().profiles.default.redirectPort],
    [SECRET, 'client_secret_post', port]);
  assert.equal(issuer.stats().otherTokenRequests, 1, 'one code redemption, accepted');
});

/** A free loopback port, found by binding port 0 and letting it go. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
