// Issue 12, findings 5 and 1 (its discovery-cache part), written as the attacks: each
// failed before the fix (the refresh token, or the sign-in's device code, reached the
// attacker's listener) and must keep failing.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { test } from 'node:test';
import { EmbeddedIssuer, approveDeviceCode } from '../../src/issuer/embedded-issuer';
import { makeHome, sessionFixture } from '../support/home';
import { runCli, startCli } from '../support/processes';
import { deviceCodeOf, emptyHome } from './login-helpers';
import { discoveryDocument } from './issuer-reach-helpers';

/** An HTTP listener that records every request (method, path, body) and answers `answer`. */
async function listener(host: string, answer: (own: string, req: IncomingMessage) => { status: number; body: unknown }) {
  const seen: { method: string; path: string; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', path: req.url ?? '', body });
      const { status, body: reply } = answer(url, req);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }) };
}

test('finding 5: the refresh path refuses a plain-HTTP token endpoint off loopback, and the refresh token never leaves', { timeout: 30_000 }, async (t) => {
  // 127.0.0.2 stands in for a remote host (this machine has no network): credshare allows
  // plain HTTP to 127.0.0.1, localhost and ::1 only, so to it this is "off loopback".
  const attacker = await listener('127.0.0.2', () => ({ status: 200, body: { access_token: 'stolen', token_type: 'Bearer', expires_in: 300 } }));
  const issuer = await listener('127.0.0.1', (own, req) => (req.url === '/.well-known/openid-configuration'
    ? { status: 200, body: { issuer: own, authorization_endpoint: `${own}/auth`, token_endpoint: `${attacker.url}/token`, jwks_uri: `${own}/jwks`, response_types_supported: ['code'] } }
    : { status: 404, body: {} }));
  const home = makeHome({ issuer: issuer.url, prefix: 'credshare-attack-' });
  t.after(async () => { await attacker.close(); await issuer.close(); home.remove(); });
  const session = sessionFixture({ refreshToken: 'rt-that-must-not-travel-in-clear-text' });
  home.writeSession(session);

  const result = await runCli(['token'], home.env);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`Refusing ${issuer.url}: its metadata gives token_endpoint as "${attacker.url}/token", which is not an HTTPS URL`));
  assert.deepEqual(attacker.seen, [], 'nothing was sent to the plain-HTTP endpoint');
  assert.equal(home.readSession()?.refreshToken, session.refreshToken, 'the session is kept');
});

for (const [name, plant] of [
  ['dated in the future', (doc: Record<string, string>, attackerUrl: string) => ({ fetchedAt: Date.now() + 365 * 24 * 3600_000, metadata: steal(doc, attackerUrl) })],
  ['naming another issuer', (doc: Record<string, string>, attackerUrl: string) => ({ fetchedAt: Date.now(), metadata: { ...steal(doc, attackerUrl), issuer: attackerUrl } })],
] as const) {
  test(`finding 1: a planted discovery-cache.json entry ${name} is ignored and rewritten; sign-in goes to the real issuer`, { timeout: 60_000 }, async (t) => {
    const issuer = await EmbeddedIssuer.start();
    const attacker = await listener('127.0.0.1', () => ({ status: 400, body: { error: 'invalid_request' } }));
    const home = emptyHome();
    t.after(async () => { await attacker.close(); await issuer.stop(); home.remove(); });
    const doc = await discoveryDocument(issuer.url);
    fs.mkdirSync(home.home, { recursive: true, mode: 0o700 });
    const cacheFile = path.join(home.home, 'discovery-cache.json');
    const key = new URL(issuer.url).href;
    fs.writeFileSync(cacheFile, JSON.stringify({ [key]: plant(doc, attacker.url) }), { mode: 0o600 });

    const cli = startCli(['login', '--device', '--issuer', issuer.url, '--client-id', issuer.clientId], home.env);
    await approveDeviceCode(issuer.url, await deviceCodeOf(cli), 'alice');
    const login = await cli.done;
    assert.equal(login.code, 0, login.stderr);
    assert.deepEqual(attacker.seen, [], 'the attacker\'s endpoints got nothing: no device code, no code, no token');
    const rewritten = JSON.parse(fs.readFileSync(cacheFile, 'utf8'))[key];
    assert.equal(rewritten.metadata.token_endpoint, doc.token_endpoint, 'the entry was rewritten with the real document');
    assert.equal(rewritten.metadata.issuer, doc.issuer);
    assert.ok(rewritten.fetchedAt <= Date.now(), 'dated now, not in the future');

    // The refresh path never reads the cache: plant again, and refresh.
    fs.writeFileSync(cacheFile, JSON.stringify({ [key]: plant(doc, attacker.url) }), { mode: 0o600 });
    const credentials = path.join(home.home, 'credentials.json');
    const stored = JSON.parse(fs.readFileSync(credentials, 'utf8'));
    stored.sessions.default.expiresAt = Date.now() - 1000;
    fs.writeFileSync(credentials, JSON.stringify(stored), { mode: 0o600 });
    const token = await runCli(['token'], home.env);
    assert.equal(token.code, 0, token.stderr);
    assert.deepEqual(attacker.seen, []);
    assert.equal(issuer.stats().refreshSuccesses, 1);
  });
}

/** The real issuer's document with the endpoints that carry secrets pointed at the attacker. */
function steal(doc: Record<string, string>, attackerUrl: string): Record<string, string> {
  return { ...doc, token_endpoint: `${attackerUrl}/token`, device_authorization_endpoint: `${attackerUrl}/device/auth`, authorization_endpoint: `${attackerUrl}/auth` };
}
