// Issue 12, finding 1 (medium), written as the attack, at the level of the extension's
// backend and sign-in flow (the real CredentialBackend, store modes and SignInFlow, with
// the few `vscode` API calls they make answered by test/support/fake-vscode.ts: the real
// API exists only inside VS Code). Another local user pre-creates the credshare home
// (CREDSHARE_HOME under /tmp) with a profile and a discovery cache entry, dated in the
// future, whose token_endpoint is theirs. The window must refuse that home, in both store
// modes, say which directory and what to do, and send nothing to the attacker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fakeLog, fakeVscode, installFakeVscode, FakeSecrets, useCredshareHome } from '../support/fake-vscode';
import { fault } from '../support/fault-report';
import { RecentSignIns } from '../../src/extension/join-recent';

installFakeVscode();

const FOREIGN_UID = 12345;

/** The attacker's token endpoint: counts what reaches it. */
async function attackerServer(t: { after(fn: () => unknown): void }): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      requests.push(`${req.method} ${req.url} ${body}`);
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`, requests };
}

/** A home another user could have written: its config names the real issuer, its cache the attacker's token endpoint. */
async function plantedHome(t: { after(fn: () => unknown): void }, how: 'foreign-owned' | 'writable by others', issuerUrl: string, clientId: string, attackerToken: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-planted-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const home = path.join(dir, 'credshare');
  fs.mkdirSync(home);
  const issuer = new URL(issuerUrl).href;
  const metadata = await (await fetch(new URL('.well-known/openid-configuration', issuer))).json() as Record<string, unknown>;
  fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify({ defaultProfile: 'default', profiles: { default: { issuer: issuerUrl, clientId, hosts: ['artifacts.example.com'] } } }));
  fs.writeFileSync(path.join(home, 'discovery-cache.json'), JSON.stringify({
    [issuer]: { fetchedAt: Date.now() + 365 * 86_400_000, metadata: { ...metadata, token_endpoint: attackerToken } },
  }));
  if (how === 'foreign-owned') {
    for (const p of [home, path.join(home, 'config.json'), path.join(home, 'discovery-cache.json')]) fs.chownSync(p, FOREIGN_UID, FOREIGN_UID);
  } else {
    fs.chmodSync(home, 0o777);
  }
  return home;
}

function settingsFor(store: 'shared' | 'secretStorage') {
  return {
    store, profile: '', issuer: '', clientId: '', signInFlow: 'browser' as const, terminalEnabled: true,
    onDidChange: () => ({ dispose: () => {} }),
  };
}

const canChown = process.platform !== 'win32' && process.getuid?.() === 0;

for (const how of ['foreign-owned', 'writable by others'] as const) {
  for (const store of ['secretStorage', 'shared'] as const) {
    test(`a ${how} home with a planted discovery cache: a ${store} window refuses it, names it, and nothing reaches the attacker`,
      { timeout: 60_000, skip: how === 'foreign-owned' && !canChown ? 'needs root to chown a directory to another uid' : false }, async (t) => {
        const { EmbeddedIssuer, authorizeInBrowser } = await import('../../src/issuer/embedded-issuer');
        const { CredentialBackend } = await import('../../src/extension/backend');
        const { SignInFlow } = await import('../../src/extension/sign-in');
        const issuer = await EmbeddedIssuer.start();
        t.after(() => issuer.stop());
        const attacker = await attackerServer(t);
        const home = await plantedHome(t, how, issuer.url, issuer.clientId, attacker.url);
        useCredshareHome(t, home);
        fakeVscode.messages.length = 0;
        // The user's browser: signs in at the (real) issuer and delivers the code to the loopback listener.
        fakeVscode.browser = async (url) => { void authorizeInBrowser(url, 'alice').then((redirect) => fetch(redirect)).catch(() => undefined); };
        const globalStorage = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-global-storage-'));
        t.after(() => fs.rmSync(globalStorage, { recursive: true, force: true }));
        const log = fakeLog();
        const settings = settingsFor(store);
        const context = { secrets: new FakeSecrets(), globalStorageUri: { fsPath: globalStorage } };
        const backend = new CredentialBackend(context as never, settings as never, log as never);
        t.after(() => backend.dispose());

        const problem = how === 'foreign-owned' ? /is owned by another user \(uid 12345\)/ : /can be written by other users \(mode 0777\)/;
        await fault({ id: `security/${how === 'foreign-owned' ? 'foreign' : 'writable'}-home-${store}-window`, area: 'security', fault: `a ${how} CREDSHARE_HOME with a planted profile and a discovery cache (fetchedAt in the future) naming the attacker's token endpoint; Sign In in a ${store} window`, expected: 'sign-in and getSession refused naming the directory and the fix, a notification says so; no request reaches the attacker', file: __filename }, async (tally) => {
        tally.tries++;
        await assert.rejects(new SignInFlow(backend, settings as never, new RecentSignIns(), log as never).run([]), (error: Error) => {
          assert.ok(error.message.includes(home), `names the directory: ${error.message}`);
          assert.match(error.message, problem);
          assert.match(error.message, /CREDSHARE_HOME|chmod 700/, 'says what to do');
          return true;
        });
        await assert.rejects(backend.getSession(), problem);
        assert.ok(fakeVscode.messages.some((m) => m.includes(home) && problem.test(m)), `a notification names the home: ${fakeVscode.messages.join(' | ')}`);
        if (attacker.requests.length) tally.dataLost += attacker.requests.length;
        assert.deepEqual(attacker.requests, [], 'nothing reached the attacker\'s token endpoint');
        assert.equal(issuer.stats().otherTokenRequests, 0);
        assert.deepEqual([...context.secrets.values.keys()], [], 'nothing stored');
        });
      });
  }
}

test('the control: in a home of your own, the same window signs in (first sign-in from settings) and writes the profile with the session', { timeout: 60_000 }, async (t) => {
  const { EmbeddedIssuer, authorizeInBrowser } = await import('../../src/issuer/embedded-issuer');
  const { CredentialBackend } = await import('../../src/extension/backend');
  const { SignInFlow } = await import('../../src/extension/sign-in');
  const issuer = await EmbeddedIssuer.start();
  t.after(() => issuer.stop());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-own-home-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const home = path.join(dir, 'credshare');
  useCredshareHome(t, home);
  fakeVscode.messages.length = 0;
  fakeVscode.browser = async (url) => { void authorizeInBrowser(url, 'alice').then((redirect) => fetch(redirect)).catch(() => undefined); };
  const log = fakeLog();
  const settings = { ...settingsFor('secretStorage'), issuer: issuer.url, clientId: issuer.clientId };
  const context = { secrets: new FakeSecrets(), globalStorageUri: { fsPath: path.join(dir, 'global-storage') } };
  const backend = new CredentialBackend(context as never, settings as never, log as never);
  t.after(() => backend.dispose());
  const { session } = await new SignInFlow(backend, settings as never, new RecentSignIns(), log as never).run([]);
  assert.equal(session.account.id, 'alice');
  assert.deepEqual(fakeVscode.messages, []);
  assert.equal(JSON.parse(fs.readFileSync(path.join(home, 'config.json'), 'utf8')).profiles.default.issuer, issuer.url);
  // (Refreshed or not, depending on the issuer's token lifetime against the tolerance.)
  assert.equal(await issuer.isAccessTokenValid((await backend.getSession()).accessToken), true);
});
