// credshare's browser sign-in against Debian's glewlwyd, which compares redirect URIs exactly,
// port included (unlike RFC 8252 section 7.3 asks for loopback redirects): credshare's default
// random port is refused; --redirect-port with the registered port signs in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, startCli } from '../support/processes';
import { authorizationUrlOf } from '../integration/login-helpers';
import { PUBLIC_CLIENT_ID, USER } from './glewlwyd/admin';
import { freePort } from './glewlwyd/server';
import { scratch, skipUnlessInstalled, userinfo } from './glewlwyd/steps';

const skip = skipUnlessInstalled();

test('glewlwyd (Debian): browser sign-in, where glewlwyd matches the registered redirect URI exactly, port included', { skip, timeout: 90_000 }, async (t) => {
  const port = await freePort();
  const redirectUri = `http://127.0.0.1:${port}/callback`;
  const { server, home, browser } = await scratch(t, { redirectUri });
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
  assert.equal(await userinfo(server, token.stdout.trim()), 200);
});
