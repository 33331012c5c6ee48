// The extension's SecretStorage store and SecretStorage sharing probe, with in-memory fakes
// of vscode.SecretStorage (this code imports no `vscode`).
//
// A real *shared* SecretStorage (desktop VS Code, where windows share it through the main
// process) cannot run on this machine: the shared case below uses an in-memory fake whose
// writes reach every window after a delay, like desktop propagation. The *non-shared* case
// is also exercised for real, in code-server, by test/e2e/scenarios-secret-storage.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TokenCoordinator } from '../../src/core/coordinator';
import { SignInRequiredError } from '../../src/core/errors';
import { CrossProcessLock } from '../../src/core/lock';
import { RefreshRecord } from '../../src/core/refresh-record';
import { SecretStorageCredentialStore, sessionKey, type SecretStorageLike } from '../../src/extension/secret-store';
import { SecretSharingProbe, type NotSharedFinding } from '../../src/extension/secret-sharing';
import { fastTimings, makeHome, sessionFixture } from '../support/home';
import { RotatingRefresher } from '../support/rotating-refresher';

type Listener = (e: { key: string }) => unknown;

/** One window's view of an in-memory SecretStorage. */
class FakeSecrets implements SecretStorageLike {
  readonly values = new Map<string, string>();
  readonly listeners = new Set<Listener>();
  constructor(private readonly backend?: SharedBackend) {}
  async get(key: string) { return this.values.get(key); }
  async store(key: string, value: string) { this.backend ? this.backend.write(this, key, value) : this.apply(key, value); }
  async delete(key: string) { this.backend ? this.backend.write(this, key, undefined) : this.apply(key, undefined); }
  onDidChange(listener: Listener) { this.listeners.add(listener); return { dispose: () => this.listeners.delete(listener) }; }
  apply(key: string, value: string | undefined): void {
    if (value === undefined) this.values.delete(key); else this.values.set(key, value);
    for (const l of this.listeners) l({ key });
  }
}

/** Shared SecretStorage: a write reaches the writer at once and every other window after `lagMs`. */
class SharedBackend {
  readonly windows: FakeSecrets[] = [];
  constructor(private readonly lagMs: number) {}
  window(): FakeSecrets {
    const w = new FakeSecrets(this);
    for (const [k, v] of this.windows[0]?.values ?? []) w.values.set(k, v);
    this.windows.push(w);
    return w;
  }
  write(writer: FakeSecrets, key: string, value: string | undefined): void {
    writer.apply(key, value);
    for (const w of this.windows) if (w !== writer) setTimeout(() => w.apply(key, value), this.lagMs);
  }
}

function setup(t: { after(fn: () => void): void }) {
  const home = makeHome();
  const lockDir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-ext-lock-'));
  t.after(() => { home.remove(); fs.rmSync(lockDir, { recursive: true, force: true }); });
  const issuer = new RotatingRefresher();
  const record = new RefreshRecord(lockDir);
  const lock = new CrossProcessLock(lockDir, fastTimings.lockStaleMs);
  const stores: SecretStorageCredentialStore[] = [];
  t.after(() => stores.forEach((s) => s.dispose()));
  const windowOver = (secrets: SecretStorageLike, staleWaitMs = 2000) => {
    const store = new SecretStorageCredentialStore(secrets, record, staleWaitMs);
    stores.push(store);
    return { store, coordinator: new TokenCoordinator({ store, lock, record, refresher: issuer.refresher, timings: fastTimings, invalidGrantRechecks: { attempts: 3, intervalMs: 30 } }) };
  };
  return { profile: home.profile, issuer, lockDir, lock, windowOver };
}

const expired = JSON.stringify(sessionFixture());

test('shared SecretStorage (in-memory fake): ten windows asking at once cause one refresh, and all get its token', async (t) => {
  const { profile, issuer, windowOver } = setup(t);
  const shared = new SharedBackend(20);
  const views = Array.from({ length: 10 }, () => shared.window());
  for (const v of views) v.values.set(sessionKey('default'), expired);
  const windows = views.map((v) => windowOver(v));
  const sessions = await Promise.all(windows.map((w) => w.coordinator.getSession({ profile })));
  assert.equal(issuer.calls, 1);
  assert.deepEqual(new Set(sessions.map((s) => s.accessToken)), new Set(['at-1']));
  assert.ok(issuer.isLive('rt-1'));
});

test('shared SecretStorage (in-memory fake): a window whose view lags waits for the rotated token instead of presenting the spent one', async (t) => {
  const { profile, issuer, windowOver } = setup(t);
  const shared = new SharedBackend(300);
  const [a, b] = [shared.window(), shared.window()];
  a.values.set(sessionKey('default'), expired);
  b.values.set(sessionKey('default'), expired);
  const first = await windowOver(a).coordinator.getSession({ profile });
  assert.equal(first.accessToken, 'at-1');
  // B asks before A's write has reached it: its view still holds rt-0, which the record calls spent.
  assert.equal(JSON.parse(b.values.get(sessionKey('default'))!).refreshToken, 'rt-0');
  const second = await windowOver(b).coordinator.getSession({ profile });
  assert.equal(second.accessToken, 'at-1');
  assert.equal(issuer.calls, 1, 'the spent refresh token was never presented again');
  assert.ok(issuer.isLive('rt-1'), 'the grant is alive');
});

test('non-shared SecretStorage: a window with a stale copy never presents a spent refresh token', async (t) => {
  const { profile, issuer, windowOver } = setup(t);
  const [a, b] = [new FakeSecrets(), new FakeSecrets()];
  a.values.set(sessionKey('default'), expired);
  b.values.set(sessionKey('default'), expired);
  assert.equal((await windowOver(a).coordinator.getSession({ profile })).accessToken, 'at-1');
  await assert.rejects(windowOver(b, 200).coordinator.getSession({ profile }), (error: unknown) =>
    error instanceof SignInRequiredError && /already used/.test(error.message));
  assert.equal(issuer.calls, 1, 'rt-0 went to the issuer once');
  assert.ok(issuer.isLive('rt-1'), 'window A keeps a live session: nothing was revoked');
});

function startProbes(t: { after(fn: () => void): void }, lock: CrossProcessLock, views: SecretStorageLike[]) {
  const findings: NotSharedFinding[][] = views.map(() => []);
  const probes = views.map((v, i) => new SecretSharingProbe(v, lock, (f) => findings[i]!.push(f), () => {}, 1500));
  t.after(() => probes.forEach((p) => p.dispose()));
  return { probes, findings };
}

test('the sharing probe finds nothing wrong where SecretStorage is shared (in-memory fake)', async (t) => {
  const { lock } = setup(t);
  const shared = new SharedBackend(50);
  const { probes, findings } = startProbes(t, lock, [shared.window(), shared.window()]);
  for (const p of probes) await p.start(5000);
  await new Promise((r) => setTimeout(r, 3500));
  assert.deepEqual(findings, [[], []]);
});

test('the sharing probe finds non-shared SecretStorage, and windows opened later learn it from the record', async (t) => {
  const { lock } = setup(t);
  const { probes, findings } = startProbes(t, lock, [new FakeSecrets(), new FakeSecrets()]);
  await probes[0]!.start(5000);
  await probes[1]!.start(5000);
  const deadline = Date.now() + 6000;
  while (findings.some((f) => f.length === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(findings[0]!.length, 1, 'the window that was open first notices');
  assert.equal(findings[0]![0]!.foundHere, true);
  assert.equal(findings[1]!.length, 1, 'and the other window learns it from the record');
  const later = startProbes(t, lock, [new FakeSecrets()]);
  await later.probes[0]!.start(5000);
  assert.equal(later.findings[0]!.length, 1);
  assert.equal(later.findings[0]![0]!.foundHere, false);
});

test('the SecretStorage store keeps the scope sets\' tokens and unknown fields across refreshes, and caches a new set beside them', async (t) => {
  const { profile, lock, lockDir } = setup(t);
  const secrets = new FakeSecrets();
  const old = { accessToken: 'narrow-old', expiresAt: Date.now() + 600_000, scope: 'email' };
  secrets.values.set(sessionKey('default'), JSON.stringify(sessionFixture({ scope: 'openid offline_access email profile', tokens: { email: old }, fromANewerCredshare: { kept: true } })));
  const record = new RefreshRecord(lockDir);
  const store = new SecretStorageCredentialStore(secrets, record);
  t.after(() => store.dispose());
  let n = 0;
  // An issuer that narrows: the answer carries exactly the scope asked for (or the grant's).
  const coordinator = new TokenCoordinator({ store, lock, record, timings: fastTimings, refresher: async (_p, _rt, _timeout, options) => {
    n++;
    return { accessToken: `at-${n}`, refreshToken: `rt-${n}`, expiresIn: 600, scope: options?.scope ?? 'openid offline_access email profile' };
  } });
  assert.equal((await coordinator.getSession({ profile })).accessToken, 'at-1', 'the grant refreshed');
  assert.equal((await coordinator.getSession({ profile, scopes: ['profile'] })).accessToken, 'at-2', 'a set of its own');
  const kept = JSON.parse((await secrets.get(sessionKey('default')))!);
  assert.deepEqual(kept.tokens.email, old, 'the other set\'s token is kept');
  assert.equal(kept.tokens.profile.accessToken, 'at-2');
  assert.equal(kept.refreshToken, 'rt-2', 'the rotated refresh token is the grant\'s');
  assert.equal(kept.accessToken, 'at-1', 'the grant\'s access token stays');
  assert.deepEqual(kept.fromANewerCredshare, { kept: true });
  assert.equal((await coordinator.getSession({ profile, scopes: ['email'] })).accessToken, 'narrow-old', 'served from the cache');
  assert.equal(n, 2);
});
