// Issue 12, finding 2, written as the attack: an issuer that quotes the token it was sent,
// raw, URL-encoded, JSON-escaped and base64, on refresh, on revocation and on sign-in.
// Every output (stdout, stderr, the browser page, the extension's log line) and every
// file in the home is scanned for every encoding of every secret presented.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Session } from '../../src/core/session';
import { revokeForLog } from '../../src/extension/revoke';
import { encodingsOf, startEchoIssuer, type EchoIssuer } from '../support/echo-issuer';
import { fault, type Tally } from '../support/fault-report';
import { makeHome, type TestHome } from '../support/home';
import { runCli, startCli, type Finished } from '../support/processes';
import { authorizationUrlOf, emptyHome } from './login-helpers';

const file = __filename;

/** Secrets whose encodings all differ from the raw form: `/`, `+`, `=`, a quote and a backslash. */
const SESSION: Session = {
  accessToken: 'at/echo+me="quoted"\\slash-0123456789abcdef',
  refreshToken: 'rt/echo+me="quoted"\\slash-fedcba9876543210',
  expiresAt: Date.now() - 1000,
  scope: 'openid offline_access',
  account: { id: 'alice', label: 'Alice Example' },
};

/** Every place a secret was found: "<where>: <which encoding> of <secret>". */
function leaks(outputs: Record<string, string>, secrets: string[]): string[] {
  const found: string[] = [];
  for (const [where, raw] of Object.entries(outputs)) {
    // The browser page is HTML: read it as the browser shows it.
    const text = raw.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
    for (const secret of secrets) {
      for (const [how, form] of Object.entries(encodingsOf(secret))) {
        if (text.includes(form)) found.push(`${where}: ${how} form of ${secret.slice(0, 6)}...`);
      }
    }
  }
  return found;
}

/** Every file under the home, by path. */
function filesOf(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (p: string): void => {
    const stat = fs.lstatSync(p);
    if (stat.isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name));
    else if (stat.isFile()) files[p] = fs.readFileSync(p, 'utf8');
  };
  walk(dir);
  return files;
}

function echoHome(t: { after(fn: () => unknown): void }, issuer: EchoIssuer): TestHome {
  const home = makeHome({ issuer: issuer.url, timings: { requestTimeoutMs: 10_000 } });
  t.after(() => home.remove());
  home.writeSession(SESSION);
  return home;
}

function outputsOf(name: string, result: Finished): Record<string, string> {
  return { [`${name} stdout`]: result.stdout, [`${name} stderr`]: result.stderr };
}

test('an issuer that echoes the refresh token in every encoding: no form of it reaches token/doctor output, refresh-state.json or any file', { timeout: 60_000 }, async (t) => {
  const issuer = await startEchoIssuer();
  t.after(() => issuer.close());
  const home = echoHome(t, issuer);
  await fault({ id: 'security/echo-on-refresh', area: 'security', fault: 'token endpoint quotes the presented refresh token raw, URL-encoded, JSON-escaped and base64 in error_description', expected: 'exit 1, credentials kept; no form of any token in stdout, stderr, doctor or any file in the home', file }, async (tally: Tally) => {
    const token = await runCli(['token'], home.env);
    const doctor = await runCli(['doctor'], home.env);
    tally.calls(token);
    assert.equal(token.code, 1, token.stderr);
    assert.ok(issuer.presented.includes(SESSION.refreshToken), 'the issuer was sent the refresh token');
    assert.match(token.stderr, /cannot use what you sent/, 'the issuer\'s text is still reported');
    assert.equal(home.readSession()?.refreshToken, SESSION.refreshToken, 'credentials kept');
    const files = filesOf(home.paths.home);
    delete files[home.paths.credentials]; // where the token lives, on purpose
    const found = leaks({ ...outputsOf('token', token), ...outputsOf('doctor', doctor), ...files }, [SESSION.refreshToken]);
    tally.note(`${found.length} leaks`);
    if (found.length) tally.dataLost += found.length;
    assert.deepEqual(found, []);
  });
});

test('a revocation endpoint that echoes the refresh token: no form of it on logout\'s stderr or in the extension\'s log line', { timeout: 60_000 }, async (t) => {
  const issuer = await startEchoIssuer();
  t.after(() => issuer.close());
  const home = echoHome(t, issuer);
  await fault({ id: 'security/echo-on-revocation', area: 'security', fault: 'revocation endpoint quotes the (still valid) refresh token in every encoding', expected: 'logout exit 0 with a warning; no form of the token on stdout, stderr, the extension log or any file', file }, async (tally: Tally) => {
    const logLine = await revokeForLog(home.profile, SESSION, home.paths.home, 10_000);
    const logout = await runCli(['logout'], home.env);
    tally.calls(logout);
    assert.equal(logout.code, 0, logout.stderr);
    assert.match(logout.stderr, /could not revoke/);
    assert.ok(issuer.presented.includes(SESSION.refreshToken), 'the issuer was sent the refresh token');
    const found = leaks({ ...outputsOf('logout', logout), 'extension log': logLine, ...filesOf(home.paths.home) }, [SESSION.refreshToken, SESSION.accessToken]);
    if (found.length) tally.dataLost += found.length;
    assert.deepEqual(found, []);
  });
});

test('a token endpoint that echoes the authorization code and PKCE verifier at sign-in: no form of them on stderr, the browser page or any file', { timeout: 60_000 }, async (t) => {
  const issuer = await startEchoIssuer();
  t.after(() => issuer.close());
  const home = emptyHome();
  t.after(() => home.remove());
  await fault({ id: 'security/echo-on-sign-in', area: 'security', fault: 'token endpoint quotes the authorization code and the PKCE verifier in every encoding', expected: 'login exit 1; no form of either in stdout, stderr, the browser\'s page or any file', file }, async (tally: Tally) => {
    const login = startCli(['login', '--browser', '--no-open', '--issuer', issuer.url, '--client-id', 'echo-client', '--timeout', '30'], home.env);
    const url = await authorizationUrlOf(login);
    const redirect = new URL(url.searchParams.get('redirect_uri')!);
    redirect.searchParams.set('code', 'code/echo+me="quoted"\\slash-0123456789');
    redirect.searchParams.set('state', url.searchParams.get('state')!);
    const page = await (await fetch(redirect)).text();
    const done = await login.done;
    tally.calls(done);
    assert.equal(done.code, 1, done.stderr);
    assert.equal(issuer.presented.length, 2, 'the issuer was sent the code and the verifier');
    const found = leaks({ ...outputsOf('login', done), 'browser page': page, ...filesOf(home.home) }, issuer.presented);
    if (found.length) tally.dataLost += found.length;
    assert.deepEqual(found, []);
  });
});
