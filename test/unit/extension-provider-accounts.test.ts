// Issue 17, at the level of the authentication provider: the real provider, backend, store
// modes, sign-in flow and watcher, a real oidc-provider on loopback, real `credshare` CLI
// processes writing the same home. Only the `vscode` API calls are answered by
// test/support/fake-vscode.ts (the real API exists only inside VS Code; test/e2e runs the
// same cases in code-server). The fake's "browser" signs in at the issuer as a given account.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Session } from '../../src/core/session';
import { sessionFromMinted } from '../../src/demo/signed-in-home';
import { RecentSignIns } from '../../src/extension/join-recent';
import { fakeLog, fakeVscode, installFakeVscode, vscodeStub, FakeSecrets, useCredshareHome } from '../support/fake-vscode';
import { makeHome } from '../support/home';
import { runCli } from '../support/processes';

installFakeVscode();

type Auth = { id: string; accessToken: string; account: { id: string; label: string }; scopes: readonly string[] };
type ChangeEvent = { added: Auth[]; removed: Auth[]; changed: Auth[] };

/** The settings the backend reads, with the change event a profile switch fires. */
function fakeSettings(store: 'shared' | 'secretStorage') {
  const listeners = new Set<() => void>();
  return {
    store, profile: '', issuer: '', clientId: '', signInFlow: 'browser' as const, terminalEnabled: true, redirectPort: undefined,
    onDidChange: (l: () => void) => { listeners.add(l); return { dispose: () => listeners.delete(l) }; },
    fire: () => { for (const l of [...listeners]) l(); },
  };
}

/** Two profiles of one issuer and client, `default` signed in as alice (active), `work` as bob. */
async function rig(t: { after(fn: () => unknown): void }, store: 'shared' | 'secretStorage' = 'shared') {
  const { EmbeddedIssuer, authorizeInBrowser } = await import('../../src/issuer/embedded-issuer');
  const { CredentialBackend } = await import('../../src/extension/backend');
  const { SignInFlow } = await import('../../src/extension/sign-in');
  const { CredshareAuthenticationProvider } = await import('../../src/extension/auth-provider');
  const issuer = await EmbeddedIssuer.start({ accessTokenTtlSeconds: 3600 });
  t.after(() => issuer.stop());
  const home = makeHome({ issuer: issuer.url, clientId: issuer.clientId, prefix: 'credshare-accounts-', timings: { requestTimeoutMs: 3000 } });
  t.after(() => home.remove());
  const config = JSON.parse(fs.readFileSync(home.paths.config, 'utf8'));
  config.profiles.default.scopes = ['openid', 'offline_access', 'profile', 'email'];
  config.profiles.work = { ...config.profiles.default };
  fs.writeFileSync(home.paths.config, JSON.stringify(config, null, 2));
  const minted = async (accountId: string, label: string): Promise<Session> => ({ ...sessionFromMinted(await issuer.mintSession({ accountId, scope: 'openid offline_access profile email' })), account: { id: accountId, label } });
  home.writeSession(await minted('alice', 'alice@example.test'), 'default');
  home.writeSession(await minted('bob', 'bob@example.test'), 'work');
  useCredshareHome(t, home.paths.home);

  const browserAs = { account: 'alice', visits: 0 };
  fakeVscode.browser = async (url) => { browserAs.visits++; void authorizeInBrowser(url, browserAs.account).then((redirect) => fetch(redirect)).catch(() => undefined); };
  const log = fakeLog();
  const settings = fakeSettings(store);
  const secrets = new FakeSecrets();
  const context = { secrets, globalStorageUri: { fsPath: path.join(path.dirname(home.paths.home), 'global-storage') } };
  const backend = new CredentialBackend(context as never, settings as never, log as never);
  t.after(() => backend.dispose());
  const recent = new RecentSignIns();
  const signIn = new SignInFlow(backend, settings as never, recent, log as never);
  const provider = new CredshareAuthenticationProvider(backend, (s, o) => signIn.run(s, o), recent, log as never);
  t.after(() => provider.dispose());
  const events: ChangeEvent[] = [];
  provider.onDidChangeSessions((e) => void events.push(e as unknown as ChangeEvent));
  await backend.watcher.check();
  const cli = (...args: string[]) => runCli(args, home.env);
  return { issuer, home, backend, provider, settings, secrets, events, log, browserAs, cli };
}

async function until<T>(what: string, fn: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
const ids = (list: Auth[]) => list.map((s) => s.id).sort();
const bob = { id: 'bob', label: 'bob@example.test' };

test('17.1 a non-active profile refreshed by a CLI process, then signed out by one: changed, then removed, for its sessions only', { timeout: 60_000 }, async (t) => {
  const r = await rig(t);
  const [held] = await r.provider.getSessions(['profile'], { account: bob }) as unknown as Auth[];
  assert.equal(held!.account.label, bob.label);
  r.home.expire('work');
  await until('the expiry to be seen', () => r.events.length > 0 ? true : undefined).catch(() => undefined);
  r.events.length = 0;
  const refreshed = await r.cli('token', '--profile', 'work');
  assert.equal(refreshed.code, 0, refreshed.stderr);
  const changed = await until('a change event for work', () => r.events.find((e) => e.changed.some((s) => s.id === held!.id)));
  assert.deepEqual(changed.removed, []);
  assert.deepEqual(changed.added, []);
  assert.ok(changed.changed.every((s) => s.id.startsWith('work/')), 'only work\'s sessions');

  r.events.length = 0;
  const out = await r.cli('logout', '--profile', 'work');
  assert.equal(out.code, 0, out.stderr);
  const removed = await until('a removal for work', () => r.events.find((e) => e.removed.length > 0));
  assert.deepEqual(ids(removed.removed), ['work/bob/', held!.id].sort());
  assert.deepEqual(removed.added, []);
  const accounts = await r.provider.getSessions(undefined) as unknown as Auth[];
  assert.deepEqual(accounts.map((s) => s.account.label), ['alice@example.test'], 'alice stays listed');
});

test('17.1 a profile switch changes which profile answers first, and announces no removal', { timeout: 60_000 }, async (t) => {
  const r = await rig(t);
  assert.equal(((await r.provider.getSessions(['openid'])) as unknown as Auth[])[0]!.account.label, 'alice@example.test');
  // (That stored a token for the scope set: let its change event pass first.)
  await r.backend.watcher.check();
  r.events.length = 0;
  r.settings.profile = 'work';
  r.settings.fire();
  const switched = await until('an event for the switch', () => r.events[0]);
  assert.deepEqual(switched.removed, [], 'nothing removed: both accounts are still signed in');
  assert.deepEqual(switched.added, []);
  assert.deepEqual(ids(switched.changed), ['default/alice/', 'work/bob/']);
  const now = await r.provider.getSessions(['openid']) as unknown as Auth[];
  assert.deepEqual(now.map((s) => s.account.label), ['bob@example.test', 'alice@example.test'], 'work answers first now');
});

test('17.2 listing accounts reads the store only: with the issuer hanging and stale tokens, every account, no request to the issuer, no throw', { timeout: 60_000 }, async (t) => {
  const r = await rig(t);
  r.home.expire('default');
  r.home.expire('work');
  r.issuer.setTokenEndpointFault({ kind: 'hang' });
  r.issuer.resetStats();
  const started = performance.now();
  const accounts = await r.provider.getSessions(undefined) as unknown as Auth[];
  const ms = performance.now() - started;
  assert.deepEqual(accounts.map((s) => s.account.label).sort(), ['alice@example.test', 'bob@example.test']);
  const stats = r.issuer.stats();
  assert.equal(stats.refreshRequests + stats.otherTokenRequests + stats.discoveryRequests, 0, 'nothing asked of the issuer');
  console.log(`listing 2 accounts, issuer hanging: ${ms.toFixed(1)} ms`);
  // The account option narrows the listing too.
  assert.deepEqual(((await r.provider.getSessions(undefined, { account: bob })) as unknown as Auth[]).map((s) => s.account.label), [bob.label]);
});

test('17.2 getSessions(scopes) across accounts leaves out a profile whose issuer fails, and logs it; naming that account fails with the reason', { timeout: 60_000 }, async (t) => {
  const r = await rig(t);
  const config = JSON.parse(fs.readFileSync(r.home.paths.config, 'utf8'));
  config.profiles.work.issuer = 'http://127.0.0.1:9/dead';
  fs.writeFileSync(r.home.paths.config, JSON.stringify(config, null, 2));
  r.home.expire('work');
  const sessions = await r.provider.getSessions(['openid']) as unknown as Auth[];
  assert.deepEqual(sessions.map((s) => s.account.label), ['alice@example.test']);
  assert.ok(r.log.lines.some((l) => /^warn getSessions: profile "work" left out: .*127\.0\.0\.1:9/.test(l)), r.log.lines.join('\n'));
  await assert.rejects(r.provider.getSessions(['openid'], { account: bob }), /127\.0\.0\.1:9/);
  assert.deepEqual(((await r.provider.getSessions(undefined)) as unknown as Auth[]).map((s) => s.account.label).sort(), ['alice@example.test', 'bob@example.test'], 'still listed');
});

test('17.3 another account signs in beside the others: its own profile named after it, seen by the CLI; removeSession removes only it', { timeout: 90_000 }, async (t) => {
  const r = await rig(t);
  const alice = r.home.readSession('default')!;
  r.browserAs.account = 'carol';
  // "Sign in to another account" in VS Code's account quick pick: createSession with no account.
  const carol = await r.provider.createSession(['profile'], {}) as unknown as Auth;
  assert.equal(carol.account.label, 'carol@example.test');
  assert.ok(carol.id.startsWith('carol%40example.test/carol/'), carol.id);
  assert.equal(r.home.readSession('default')!.refreshToken, alice.refreshToken, 'alice\'s sign-in untouched');
  assert.equal(r.home.readSession('carol@example.test')!.account.id, 'carol');
  const config = JSON.parse(fs.readFileSync(r.home.paths.config, 'utf8'));
  assert.equal(config.defaultProfile, 'default', 'the CLI\'s default did not move');
  assert.equal(config.profiles['carol@example.test'].issuer, r.issuer.url);
  assert.deepEqual(config.profiles['carol@example.test'].scopes.sort(), ['email', 'offline_access', 'openid', 'profile'], 'the scopes of the profile signed in to');
  const profiles = JSON.parse((await r.cli('profiles', '--json')).stdout) as { profiles: { name: string; account?: { label: string } }[] };
  assert.deepEqual(profiles.profiles.map((p) => `${p.name}:${p.account?.label}`).sort(), ['carol@example.test:carol@example.test', 'default:alice@example.test', 'work:bob@example.test']);
  const token = await r.cli('token', '--profile', 'carol@example.test');
  assert.equal(token.code, 0, token.stderr);
  assert.equal(await r.issuer.isAccessTokenValid(token.stdout.trim()), true);
  // Both accounts in use at once.
  const [asAlice] = await r.provider.getSessions(['profile'], { account: { id: 'alice', label: 'alice@example.test' } }) as unknown as Auth[];
  const [asCarol] = await r.provider.getSessions(['profile'], { account: { id: 'carol', label: 'carol@example.test' } }) as unknown as Auth[];
  assert.equal(await r.issuer.isAccessTokenValid(asAlice!.accessToken), true);
  assert.equal(await r.issuer.isAccessTokenValid(asCarol!.accessToken), true);
  const added = await until('carol added', () => r.events.find((e) => e.added.some((s) => s.account.label === 'carol@example.test')));
  assert.deepEqual(added.removed, [], 'nobody removed');
  // Signing out of carol (the Accounts menu's Sign Out) removes carol only.
  await r.provider.removeSession(carol.id);
  assert.equal(r.home.readSession('carol@example.test'), undefined);
  assert.ok(r.home.readSession('default') && r.home.readSession('work'));
  // Signing in again as carol reuses her (signed-out) profile rather than making carol@example.test-2.
  await r.provider.createSession(['profile'], {});
  assert.ok(r.home.readSession('carol@example.test'));
  assert.equal(Object.keys(JSON.parse(fs.readFileSync(r.home.paths.config, 'utf8')).profiles).length, 3);
});

test('17.3 an account credshare does not know (named by an extension) goes beside too, with its label as the login hint', { timeout: 60_000 }, async (t) => {
  const r = await rig(t);
  r.browserAs.account = 'dave';
  const dave = await r.provider.createSession(['openid'], { account: { id: 'dave', label: 'dave@example.test' } }) as unknown as Auth;
  assert.equal(dave.account.label, 'dave@example.test');
  assert.equal(r.home.readSession('default')!.account.id, 'alice');
  assert.equal(r.home.readSession('dave@example.test')!.account.id, 'dave');
  assert.ok(r.log.lines.some((l) => /login hint dave@example\.test/.test(l)));
});

test('17.4 forceNewSession right after a sign-in signs in again; an extension that asked while that sign-in ran takes it', { timeout: 90_000 }, async (t) => {
  const r = await rig(t);
  const out = await r.cli('logout');
  assert.equal(out.code, 0, out.stderr);
  await until('the sign-out seen', () => r.events.find((e) => e.removed.length > 0));
  // VS Code's order: each extension's getSessions first (no account signed in: nothing), then createSession.
  assert.equal((await r.cli('logout', '--profile', 'work')).code, 0);
  assert.deepEqual(await r.provider.getSessions(['openid']), [], 'extension 1 sees no session');
  assert.deepEqual(await r.provider.getSessions(['openid']), [], 'extension 2 sees no session');
  const first = await r.provider.createSession(['openid'], {}) as unknown as Auth;
  assert.equal(r.browserAs.visits, 1);
  const second = await r.provider.createSession(['openid'], {}) as unknown as Auth;
  assert.equal(r.browserAs.visits, 1, 'the second extension took the sign-in that ended moments ago');
  assert.equal(second.accessToken, first.accessToken);
  // forceNewSession (no account named): VS Code first got sessions for it, then asks for a new one.
  assert.equal(((await r.provider.getSessions(['openid'])) as unknown as Auth[]).length, 1);
  const forced = await r.provider.createSession(['openid'], {}) as unknown as Auth;
  assert.equal(r.browserAs.visits, 2, 'a new sign-in');
  assert.notEqual(forced.accessToken, first.accessToken, 'never the token it rejected');
  // Named: the same.
  const named = await r.provider.createSession(['openid'], { account: forced.account }) as unknown as Auth;
  assert.equal(r.browserAs.visits, 3);
  assert.notEqual(named.accessToken, forced.accessToken);
});

test('17.5 a remote window asked for SecretStorage uses the remote\'s shared store, and says why; a local window keeps SecretStorage', { timeout: 60_000 }, async (t) => {
  const env = vscodeStub.env as { remoteName: string | undefined };
  env.remoteName = 'ssh-remote';
  t.after(() => { env.remoteName = undefined; });
  const remote = await rig(t, 'secretStorage');
  assert.equal(remote.backend.storeMode.kind, 'shared');
  assert.match(remote.backend.describeStore(), /credentials\.json \(a remote \(ssh-remote\) window: SecretStorage would be kept on the local machine/);
  remote.home.expire('default');
  const [session] = await remote.provider.getSessions(['openid']) as unknown as Auth[];
  assert.equal(await remote.issuer.isAccessTokenValid(session!.accessToken), true);
  assert.deepEqual([...remote.secrets.values.keys()], [], 'nothing in SecretStorage');
  env.remoteName = undefined;
  const local = await rig(t, 'secretStorage');
  assert.equal(local.backend.storeMode.kind, 'secretStorage');
});
