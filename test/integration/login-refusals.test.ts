// Insecure input gets a clear refusal, and nothing is saved or stored.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { test } from 'node:test';
import { EmbeddedIssuer, authorizeInBrowser } from '../../src/issuer/embedded-issuer';
import { runCli, startCli } from '../support/processes';
import { authorizationUrlOf, emptyHome } from './login-helpers';

/** A tiny issuer impostor on loopback: serves `document(ownUrl)` as its discovery document. */
async function metadataServer(document: (ownUrl: string) => Record<string, unknown>) {
  const server = createServer((req, res) => {
    const own = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.url === '/.well-known/openid-configuration') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document(own)));
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test('refuses an issuer that is plain HTTP and not loopback, before any request', async (t) => {
  const home = emptyHome();
  t.after(() => home.remove());
  const result = await runCli(['login', '--issuer', 'http://login.example.com/realms/dev', '--client-id', 'cli'], home.env);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /Refusing issuer http:\/\/login\.example\.com\/realms\/dev: tokens may only travel over HTTPS/);
  assert.equal(fs.existsSync(path.join(home.home, 'config.json')), false, 'no profile was saved');
});

test('refuses a discovery document that describes another issuer', { timeout: 30_000 }, async (t) => {
  const real = await EmbeddedIssuer.start();
  const realDocument = await (await fetch(`${real.url}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
  // The impostor republishes the real issuer's metadata under its own address.
  const impostor = await metadataServer(() => realDocument);
  const home = emptyHome();
  t.after(async () => { await impostor.close(); await real.stop(); home.remove(); });
  const result = await runCli(['login', '--device', '--issuer', impostor.url, '--client-id', real.clientId], home.env);
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`Refusing ${impostor.url}: its discovery document describes another issuer \\("${real.url}"\\)`));
  assert.match(result.stderr, /check --issuer/);
  assert.equal(fs.existsSync(path.join(home.home, 'config.json')), false, 'no profile was saved');
  assert.equal(real.stats().otherTokenRequests, 0);
});

test('refuses metadata whose endpoints are plain HTTP off loopback', { timeout: 30_000 }, async (t) => {
  const sneaky = await metadataServer((own) => ({
    issuer: own, authorization_endpoint: `${own}/auth`, token_endpoint: 'http://tokens.example.com/token', jwks_uri: `${own}/jwks`,
  }));
  const home = emptyHome();
  t.after(async () => { await sneaky.close(); home.remove(); });
  const result = await runCli(['login', '--browser', '--no-open', '--issuer', sneaky.url, '--client-id', 'cli'], home.env);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /its metadata gives token_endpoint as "http:\/\/tokens\.example\.com\/token", which is not an HTTPS URL/);
});

test('ignores a redirect whose state is not the one it sent, redeems nothing, and keeps waiting for its own', { timeout: 60_000 }, async (t) => {
  const issuer = await EmbeddedIssuer.start();
  const home = emptyHome();
  t.after(async () => { await issuer.stop(); home.remove(); });
  const cli = startCli(['login', '--browser', '--no-open', '--timeout', '3', '--issuer', issuer.url, '--client-id', issuer.clientId], home.env);
  const redirect = await authorizeInBrowser((await authorizationUrlOf(cli)).href, 'mallory');
  // A real code and the right iss, but the state of another sign-in (a forged or stale request).
  redirect.searchParams.set('state', 'not-the-state-this-sign-in-sent');
  const page = await fetch(redirect);
  assert.equal(page.status, 400);
  assert.match(await page.text(), /data-outcome="failure".*its state does not match/s);
  const result = await cli.done;
  assert.equal(result.code, 1);
  assert.match(result.stderr, /No answer from the browser within 3s/, 'the wait went on until its own timeout');
  assert.equal(home.session(), undefined);
  assert.equal(issuer.stats().otherTokenRequests, 0, 'the code was never redeemed');
});

test('reports an issuer that refuses the sign-in (access_denied) and stores nothing', { timeout: 60_000 }, async (t) => {
  const issuer = await EmbeddedIssuer.start();
  const home = emptyHome();
  t.after(async () => { await issuer.stop(); home.remove(); });
  const cli = startCli(['login', '--browser', '--no-open', '--issuer', issuer.url, '--client-id', issuer.clientId], home.env);
  const url = await authorizationUrlOf(cli);
  const denied = new URL(url.searchParams.get('redirect_uri')!);
  denied.search = new URLSearchParams({ error: 'access_denied', error_description: 'the user said no', state: url.searchParams.get('state')!, iss: issuer.url }).toString();
  assert.equal((await fetch(denied)).status, 400);
  const result = await cli.done;
  assert.equal(result.code, 1);
  assert.match(result.stderr, /did not sign you in \(access_denied: the user said no\)/);
});
