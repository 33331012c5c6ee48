import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { test } from './runner';

const PROVIDER = 'credshare';
const EXTENSION = 'credshare.credshare';
const home = process.env.CREDSHARE_HOME!;
const issuer = process.env.CREDSHARE_TEST_ISSUER!;
const credentials = path.join(home, 'credentials.json');

async function admin<T>(method: 'GET' | 'POST', route: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(`${issuer}/__admin${route}`, {
    method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`admin ${route}: HTTP ${response.status} ${await response.text()}`);
  return response.json() as Promise<T>;
}

function writeCredentials(sessions: Record<string, unknown>): void {
  const temp = `${credentials}.suite.tmp`;
  fs.writeFileSync(temp, JSON.stringify({ version: 1, sessions }), { mode: 0o600 });
  fs.renameSync(temp, credentials);
}

async function signInThroughCli(expiresAt: number): Promise<void> {
  const minted = await admin<{ accessToken: string; refreshToken: string; scope: string }>('POST', '/mint', { accountId: 'suite-user' });
  writeCredentials({ default: { accessToken: minted.accessToken, refreshToken: minted.refreshToken, expiresAt, scope: minted.scope, account: { id: 'suite-user', label: 'Suite User' } } });
}

function nextChange(timeoutMs = 10_000): Promise<vscode.AuthenticationSessionsChangeEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { listener.dispose(); reject(new Error('no onDidChangeSessions for credshare')); }, timeoutMs);
    const listener = vscode.authentication.onDidChangeSessions((e) => {
      if (e.provider.id !== PROVIDER) return;
      clearTimeout(timer);
      listener.dispose();
      resolve(e);
    });
  });
}

// A silent getSession makes VS Code ask the provider (so it refreshes), but hands this
// extension no token without a consent a headless run cannot give; so these tests look at
// accounts, events, the store and the issuer's counts instead of at returned tokens.
const silent = (): Thenable<vscode.AuthenticationSession | undefined> => vscode.authentication.getSession(PROVIDER, ['openid'], { silent: true });
const accounts = async (): Promise<string[]> => (await vscode.authentication.getAccounts(PROVIDER)).map((a) => a.label);
const stored = () => JSON.parse(fs.readFileSync(credentials, 'utf8')).sessions.default;

test('activates and registers the provider and the palette commands', async () => {
  fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify({ defaultProfile: 'default', profiles: { default: { issuer, clientId: 'credshare-cli' } } }));
  const extension = vscode.extensions.getExtension(EXTENSION);
  assert.ok(extension, `${EXTENSION} is loaded`);
  await extension.activate();
  const commands = await vscode.commands.getCommands(true);
  for (const id of ['signIn', 'signOut', 'refreshNow', 'showStatus', 'showLog', 'switchProfile']) assert.ok(commands.includes(`credshare.${id}`), id);
  assert.deepEqual(await accounts(), [], 'signed out');
});

test('a sign-in by the CLI fires onDidChangeSessions and shows its account', async () => {
  const changed = nextChange();
  await signInThroughCli(Date.now() + 3_600_000);
  assert.equal((await changed).provider.id, PROVIDER);
  assert.deepEqual(await accounts(), ['Suite User']);
});

test('five callers asking at once for an expired token cause one refresh request; the new token is stored and valid', async () => {
  await admin('POST', '/reset-stats', {});
  const before = stored();
  writeCredentials({ default: { ...before, expiresAt: Date.now() - 1000 } });
  await Promise.all(Array.from({ length: 5 }, () => silent()));
  const stats = await admin<{ refreshRequests: number; reuseDetections: number }>('GET', '/stats');
  assert.equal(stats.refreshRequests, 1);
  assert.equal(stats.reuseDetections, 0);
  const after = stored();
  assert.notEqual(after.accessToken, before.accessToken);
  assert.ok(after.expiresAt > Date.now() + 600_000);
  const { valid } = await admin<{ valid: boolean }>('GET', '/access-token-valid', undefined, { authorization: `Bearer ${after.accessToken}` });
  assert.equal(valid, true);
  assert.deepEqual(await accounts(), ['Suite User'], 'still signed in');
});

test('a sign-out by the CLI fires onDidChangeSessions and leaves no account', async () => {
  const changed = nextChange();
  writeCredentials({});
  await changed;
  assert.deepEqual(await accounts(), []);
  assert.equal(await silent(), undefined);
});
