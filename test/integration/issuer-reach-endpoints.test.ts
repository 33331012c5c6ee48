// Issuers without a discovery document (GitHub): endpoints given in the profile replace
// discovery, for sign-in, refresh and sign-out alike. And issuers that compare redirect
// URIs exactly: the browser flow listens on the profile's fixed port.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { EmbeddedIssuer, approveDeviceCode, authorizeInBrowser } from '../../src/issuer/embedded-issuer';
import { runCli, startCli } from '../support/processes';
import { authorizationUrlOf, deviceCodeOf, emptyHome } from './login-helpers';
import { discoveryDocument } from './issuer-reach-helpers';

test('with endpoints in the profile, sign-in, refresh, doctor and logout make no discovery request', { timeout: 90_000 }, async (t) => {
  const issuer = await EmbeddedIssuer.start({ accessTokenTtlSeconds: 300 });
  const home = emptyHome();
  t.after(async () => { await issuer.stop(); home.remove(); });
  const doc = await discoveryDocument(issuer.url);
  issuer.resetStats();
  const cli = startCli(['login', '--device', '--issuer', issuer.url, '--client-id', issuer.clientId,
    '--token-endpoint', doc.token_endpoint!, '--device-authorization-endpoint', doc.device_authorization_endpoint!,
    '--authorization-endpoint', doc.authorization_endpoint!, '--revocation-endpoint', doc.revocation_endpoint!, '--userinfo-endpoint', doc.userinfo_endpoint!], home.env);
  await approveDeviceCode(issuer.url, await deviceCodeOf(cli), 'alice');
  const login = await cli.done;
  assert.equal(login.code, 0, login.stderr);
  assert.deepEqual(home.config().profiles.default.endpoints, {
    authorization: doc.authorization_endpoint, token: doc.token_endpoint, deviceAuthorization: doc.device_authorization_endpoint,
    revocation: doc.revocation_endpoint, userinfo: doc.userinfo_endpoint,
  });

  const session = home.session()!;
  const credentials = `${home.home}/credentials.json`;
  const stored = JSON.parse(fs.readFileSync(credentials, 'utf8'));
  stored.sessions.default.expiresAt = Date.now() - 1000;
  fs.writeFileSync(credentials, JSON.stringify(stored), { mode: 0o600 });
  const token = await runCli(['token'], home.env);
  assert.equal(token.code, 0, token.stderr);
  assert.notEqual(token.stdout.trim(), session.accessToken);
  assert.equal(issuer.stats().refreshSuccesses, 1);

  const doctor = await runCli(['doctor'], home.env);
  assert.match(doctor.stdout, /^Issuer +http:\/\/127\.0\.0\.1:\d+: endpoints from config\.json, no discovery$/m);
  assert.match(doctor.stdout, /browser sign-in yes, device sign-in yes, revocation yes, userinfo yes/);
  const logout = await runCli(['logout'], home.env);
  assert.equal(logout.code, 0, logout.stderr);
  assert.match(logout.stdout, /Revoked the refresh token/);
  assert.equal(issuer.discoveryRequests(), 0, 'no discovery request at all');
  assert.equal(fs.existsSync(`${home.home}/discovery-cache.json`), false);
});

test('endpoints that are plain HTTP off loopback are refused before any request', { timeout: 30_000 }, async (t) => {
  const home = emptyHome();
  t.after(() => home.remove());
  const result = await runCli(['login', '--device', '--issuer', 'https://github.com', '--client-id', 'Iv1.abc',
    '--token-endpoint', 'http://github.com/login/oauth/access_token', '--device-authorization-endpoint', 'https://github.com/login/device/code'], home.env);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /Refusing the "endpoints" of config\.json for https:\/\/github\.com: they give token_endpoint as "http:\/\/github\.com\/login\/oauth\/access_token", which is not an HTTPS URL/);
  assert.equal(fs.existsSync(`${home.home}/config.json`), false);
});

/** A free loopback port, found by binding port 0 and letting it go. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('--redirect-port: the browser flow redirects to exactly http://127.0.0.1:<port>/callback and signs in', { timeout: 60_000 }, async (t) => {
  const port = await freePort();
  // The issuer registers only that redirect URI (the provider still lets native clients vary
  // the loopback port; the redirect_uri sent is what this test checks).
  const issuer = await EmbeddedIssuer.start({ redirectUris: [`http://127.0.0.1:${port}/callback`] });
  const home = emptyHome();
  t.after(async () => { await issuer.stop(); home.remove(); });
  const cli = startCli(['login', '--browser', '--no-open', '--issuer', issuer.url, '--client-id', issuer.clientId, '--redirect-port', String(port)], home.env);
  const url = await authorizationUrlOf(cli);
  assert.equal(url.searchParams.get('redirect_uri'), `http://127.0.0.1:${port}/callback`);
  const redirect = await authorizeInBrowser(url.href, 'alice');
  assert.equal(redirect.origin, `http://127.0.0.1:${port}`);
  assert.equal((await fetch(redirect)).status, 200);
  const login = await cli.done;
  assert.equal(login.code, 0, login.stderr);
  assert.equal(home.config().profiles.default.redirectPort, port);
});

test('a taken redirect port fails at once with a message naming the port and what to do', { timeout: 60_000 }, async (t) => {
  const issuer = await EmbeddedIssuer.start();
  const home = emptyHome();
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  const { port } = squatter.address() as { port: number };
  t.after(async () => { squatter.close(); await issuer.stop(); home.remove(); });
  const result = await runCli(['login', '--browser', '--no-open', '--issuer', issuer.url, '--client-id', issuer.clientId, '--redirect-port', String(port)], home.env);
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`Cannot receive the sign-in on http://127\\.0\\.0\\.1:${port}/callback: port ${port} is in use by another program`));
  assert.match(result.stderr, /free that port and try again, or use the device flow \(`credshare login --device`\)/);
  const bad = await runCli(['login', '--issuer', issuer.url, '--client-id', issuer.clientId, '--redirect-port', 'eighty'], home.env);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--redirect-port takes a port number, not "eighty"/);
});
