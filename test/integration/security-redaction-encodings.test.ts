// Issue 16, finding 4, written as the attack: an issuer that quotes every secret the
// process holds (refresh, access and ID token, a scope set's access token, the client
// secret sent in a client_secret_post body or a Basic header, the authorization code and
// PKCE verifier, the device code) in every encoding the issue lists: raw, URL-encoded
// (once, twice, lower case), JSON-escaped and \u-escaped, HTML entities, wrapped across
// lines, hex, UTF-16 (as text, hex, base64), base64 and base64url, and the Basic header as
// it came. Every output (stdout, stderr with CREDSHARE_DEBUG=1, doctor, the browser page,
// the extension's log line) and every file in the home but the two that hold the
// secrets on purpose is scanned for any 12-character run of any secret, read every way a
// person or program could read it (test/support/secret-scan.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Session } from '../../src/core/session';
import { revokeForLog } from '../../src/extension/revoke';
import { startEchoIssuer } from '../support/echo-issuer';
import { fault, type Tally } from '../support/fault-report';
import { makeHome, type TestHome } from '../support/home';
import { runCli, startCli, type Finished } from '../support/processes';
import { secretRuns } from '../support/secret-scan';
import { authorizationUrlOf, deviceCodeOf, emptyHome } from './login-helpers';

const file = __filename;

/** Secrets whose encodings all differ from the raw form: `/`, `+`, `=`, a quote, a backslash. */
const SECRETS = {
  refreshToken: 'rt/Echo+me="quoted"\\slash-fedcba9876543210',
  accessToken: 'at/Echo+me="quoted"\\slash-0123456789abcdef',
  idToken: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLW9mLXRoZS1pZC10b2tlbg',
  scopedAccessToken: 'st/Scoped+token="for"\\a-scope-set-13579',
  clientSecret: 'cs/Client+secret="installed"\\app-24680',
};
const CODE = 'code/Echo+me="quoted"\\slash-0123456789';
const DEVICE_CODE = 'dc/Device+code="quoted"\\slash-97531';

const SESSION: Session = {
  accessToken: SECRETS.accessToken,
  refreshToken: SECRETS.refreshToken,
  idToken: SECRETS.idToken,
  expiresAt: Date.now() - 1000,
  scope: 'openid offline_access',
  account: { id: 'alice', label: 'Alice Example' },
  tokens: { 'openid read:packages': { accessToken: SECRETS.scopedAccessToken, expiresAt: Date.now() + 3_600_000, scope: 'openid read:packages' } },
} as Session;

/** Every file in the home, but credentials.json and config.json, which hold the secrets on purpose. */
function homeFiles(home: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (p: string): void => {
    const stat = fs.lstatSync(p);
    if (stat.isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name));
    else if (stat.isFile() && !['credentials.json', 'config.json'].includes(path.basename(p))) files[p] = fs.readFileSync(p, 'utf8');
  };
  walk(home);
  return files;
}

function outputsOf(name: string, result: Finished): Record<string, string> {
  return { [`${name} stdout`]: result.stdout, [`${name} stderr`]: result.stderr };
}

/** A home signed in (with the session above) to the echo issuer, the profile holding a client secret sent as `method`. */
function echoHome(t: { after(fn: () => unknown): void }, issuerUrl: string, method: 'client_secret_post' | 'client_secret_basic'): TestHome {
  const home = makeHome({ issuer: issuerUrl, timings: { requestTimeoutMs: 10_000 } });
  t.after(() => home.remove());
  const config = JSON.parse(fs.readFileSync(home.paths.config, 'utf8'));
  Object.assign(config.profiles.default, { clientSecret: SECRETS.clientSecret, tokenEndpointAuthMethod: method });
  fs.writeFileSync(home.paths.config, JSON.stringify(config, null, 2), { mode: 0o600 });
  home.writeSession(SESSION);
  return home;
}

function assertNoRuns(tally: Tally, outputs: Record<string, string>, secrets: Record<string, string>): void {
  const found = secretRuns(outputs, secrets);
  tally.note(`${Object.keys(outputs).length} outputs and files scanned, ${found.length} leaks`);
  tally.dataLost += found.length;
  assert.deepEqual(found, []);
}

for (const method of ['client_secret_post', 'client_secret_basic'] as const) {
  test(`refresh refused by an issuer echoing every secret in every encoding (${method}): no 12-character run of any secret anywhere`, { timeout: 60_000 }, async (t) => {
    const issuer = await startEchoIssuer({ minted: [SECRETS.accessToken, SECRETS.idToken, SECRETS.scopedAccessToken] });
    t.after(() => issuer.close());
    const home = echoHome(t, issuer.url, method);
    await fault({ id: `security/echo-every-secret-on-refresh-${method}`, area: 'security', fault: `token endpoint quotes the refresh, access, ID and scope-set tokens and the client secret (${method === 'client_secret_post' ? 'from the form body' : 'from the Basic header, and the header itself'}) in 15 encodings`, expected: 'token exit 1, credentials kept; no 12-character run of any secret in stdout, stderr (CREDSHARE_DEBUG=1), doctor or any file of the home', file }, async (tally) => {
      const token = await runCli(['token'], { ...home.env, CREDSHARE_DEBUG: '1' });
      const doctor = await runCli(['doctor'], home.env);
      tally.calls(token);
      assert.equal(token.code, 1, token.stderr);
      assert.ok(issuer.presented.includes(SECRETS.clientSecret), `the issuer was sent the client secret: ${issuer.presented.length} secrets`);
      assert.match(token.stderr, /cannot use what you sent/, 'the issuer\'s text is still reported');
      assert.equal(home.readSession()?.refreshToken, SECRETS.refreshToken, 'credentials kept');
      assertNoRuns(tally, { ...outputsOf('token', token), ...outputsOf('doctor', doctor), ...homeFiles(home.paths.home) }, SECRETS);
    });
  });
}

test('revocation refused by an issuer echoing every secret: logout\'s output, the extension\'s log line and the home carry none', { timeout: 60_000 }, async (t) => {
  const issuer = await startEchoIssuer({ minted: [SECRETS.accessToken, SECRETS.idToken] });
  t.after(() => issuer.close());
  const home = echoHome(t, issuer.url, 'client_secret_basic');
  await fault({ id: 'security/echo-every-secret-on-revocation', area: 'security', fault: 'revocation endpoint quotes the refresh token, the minted tokens and the client secret (Basic) in 15 encodings', expected: 'logout exit 0 with a warning; no 12-character run of any secret on stdout, stderr, the extension log or any file', file }, async (tally) => {
    const logLine = await revokeForLog({ ...home.profile, clientSecret: SECRETS.clientSecret, tokenEndpointAuthMethod: 'client_secret_basic' }, SESSION, home.paths.home, 10_000);
    const logout = await runCli(['logout'], home.env);
    tally.calls(logout);
    assert.equal(logout.code, 0, logout.stderr);
    assert.match(logout.stderr, /could not revoke/);
    assert.ok(issuer.presented.includes(SECRETS.refreshToken));
    assertNoRuns(tally, { ...outputsOf('logout', logout), 'extension log': logLine, ...homeFiles(home.paths.home) }, SECRETS);
  });
});

test('sign-in refused by an issuer echoing the code, the verifier and the client secret: not on stderr, the browser page or any file', { timeout: 60_000 }, async (t) => {
  const issuer = await startEchoIssuer();
  t.after(() => issuer.close());
  const home = emptyHome();
  t.after(() => home.remove());
  await fault({ id: 'security/echo-every-secret-on-sign-in', area: 'security', fault: 'token endpoint quotes the authorization code, the PKCE verifier and the client secret (post) in 15 encodings at a browser sign-in', expected: 'login exit 1; no 12-character run of any of them in stdout, stderr, the browser\'s page or any file', file }, async (tally) => {
    const login = startCli(['login', '--browser', '--no-open', '--issuer', issuer.url, '--client-id', 'echo-client', '--client-secret-stdin', '--token-endpoint-auth-method', 'client_secret_post', '--timeout', '30'], home.env, `${SECRETS.clientSecret}\n`);
    const url = await authorizationUrlOf(login);
    const redirect = new URL(url.searchParams.get('redirect_uri')!);
    redirect.searchParams.set('code', CODE);
    redirect.searchParams.set('state', url.searchParams.get('state')!);
    const page = await (await fetch(redirect)).text();
    const done = await login.done;
    tally.calls(done);
    assert.equal(done.code, 1, done.stderr);
    assert.equal(issuer.presented.length, 3, 'the issuer was sent the code, the verifier and the client secret');
    const secrets = Object.fromEntries(issuer.presented.map((s, i) => [['code', 'verifier', 'client secret'][i] ?? `secret ${i}`, s]));
    assertNoRuns(tally, { ...outputsOf('login', done), 'browser page': page, ...(fs.existsSync(home.home) ? homeFiles(home.home) : {}) }, secrets);
  });
});

test('a device sign-in refused by an issuer echoing the device code and the client secret: not on stdout, stderr or any file', { timeout: 60_000 }, async (t) => {
  const issuer = await startEchoIssuer({ deviceCode: DEVICE_CODE });
  t.after(() => issuer.close());
  const home = emptyHome();
  t.after(() => home.remove());
  await fault({ id: 'security/echo-every-secret-on-device-sign-in', area: 'security', fault: 'token endpoint quotes the device code and the client secret (Basic) in 15 encodings while a device sign-in polls', expected: 'login exit 1; no 12-character run of either in stdout, stderr or any file', file }, async (tally) => {
    const login = startCli(['login', '--device', '--issuer', issuer.url, '--client-id', 'echo-client', '--client-secret-stdin', '--token-endpoint-auth-method', 'client_secret_basic'], home.env, `${SECRETS.clientSecret}\n`);
    await deviceCodeOf(login);
    const done = await login.done;
    tally.calls(done);
    assert.equal(done.code, 1, done.stderr);
    assert.ok(issuer.presented.includes(DEVICE_CODE) && issuer.presented.includes(SECRETS.clientSecret), 'the issuer was sent both');
    assertNoRuns(tally, { ...outputsOf('login', done), ...(fs.existsSync(home.home) ? homeFiles(home.home) : {}) }, { deviceCode: DEVICE_CODE, clientSecret: SECRETS.clientSecret });
  });
});
