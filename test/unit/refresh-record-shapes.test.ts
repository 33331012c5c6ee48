// Finding 6 of issue 12: a refresh-state.json of an unexpected shape (another version's
// layout, a hand edit, wrong types) must be treated as empty and rewritten, never throw a
// TypeError on every refresh. Both store modes: the shared file store, and the
// SecretStorage store of the extension (an in-memory fake of vscode.SecretStorage: the real
// one exists only inside VS Code; this code imports no `vscode`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TokenCoordinator } from '../../src/core/coordinator';
import { fileStoreParts } from '../../src/core/file-coordinator';
import { CrossProcessLock } from '../../src/core/lock';
import { RefreshRecord } from '../../src/core/refresh-record';
import { SecretStorageCredentialStore, sessionKey, type SecretStorageLike } from '../../src/extension/secret-store';
import { fastTimings, makeHome, sessionFixture } from '../support/home';
import { RotatingRefresher } from '../support/rotating-refresher';

/** Shapes found in the wild or easy to make by hand; each must be survivable. */
const MALFORMED: Record<string, string> = {
  'entry without "spent"': JSON.stringify({ default: { outcome: 'failed', presented: 'x', at: 1 } }),
  '"spent" a number': JSON.stringify({ default: { outcome: 'refreshed', presented: 'x', at: 1, spent: 5 } }),
  '"spent" an object': JSON.stringify({ default: { outcome: 'refreshed', presented: 'x', at: 1, spent: { a: 1 } } }),
  '"spent" a string': JSON.stringify({ default: { outcome: 'refreshed', presented: 'x', at: 1, spent: 'abc' } }),
  'another version\'s layout': JSON.stringify({ version: 2, profiles: { default: { outcome: 'refreshed', spent: [] } } }),
  'entry null': JSON.stringify({ default: null }),
  'entry a list': JSON.stringify({ default: ['refreshed'] }),
  'top level a list': JSON.stringify([{ outcome: 'failed' }]),
  'top level a string': JSON.stringify('refreshed'),
  'not JSON': '{"default": {"outcome": "fail',
};

class FakeSecrets implements SecretStorageLike {
  readonly values = new Map<string, string>();
  async get(key: string) { return this.values.get(key); }
  async store(key: string, value: string) { this.values.set(key, value); }
  async delete(key: string) { this.values.delete(key); }
  onDidChange() { return { dispose: () => {} }; }
}

/** The record as the next write left it: every entry of this version's shape. */
function assertRewrittenClean(file: string): void {
  const all = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, { outcome: string; spent: unknown }>;
  assert.deepEqual(Object.keys(all), ['default'], 'only the profile just refreshed');
  assert.equal(all.default!.outcome, 'refreshed');
  assert.ok(Array.isArray(all.default!.spent));
}

for (const [shape, text] of Object.entries(MALFORMED)) {
  test(`shared store: a refresh-state.json with ${shape} is treated as empty and rewritten`, async (t) => {
    const home = makeHome();
    t.after(() => home.remove());
    home.writeSession(sessionFixture());
    const record = new RefreshRecord(home.paths.home);
    fs.writeFileSync(record.file, text);
    const issuer = new RotatingRefresher();
    const coordinator = new TokenCoordinator({ ...fileStoreParts(home.paths, fastTimings), refresher: issuer.refresher });
    const session = await coordinator.getSession({ profile: home.profile });
    assert.equal(session.accessToken, 'at-1');
    assert.equal(issuer.calls, 1);
    assertRewrittenClean(record.file);
  });

  test(`SecretStorage store: a refresh-state.json with ${shape} is treated as empty and rewritten`, async (t) => {
    const home = makeHome();
    const lockDir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-record-shape-'));
    t.after(() => { home.remove(); fs.rmSync(lockDir, { recursive: true, force: true }); });
    const record = new RefreshRecord(lockDir);
    fs.writeFileSync(record.file, text);
    const secrets = new FakeSecrets();
    secrets.values.set(sessionKey('default'), JSON.stringify(sessionFixture()));
    const store = new SecretStorageCredentialStore(secrets, record, 200);
    t.after(() => store.dispose());
    // Every read of this store consults the record (is the stored token spent?).
    assert.equal((await store.read('default'))?.refreshToken, 'rt-0');
    const issuer = new RotatingRefresher();
    const coordinator = new TokenCoordinator({ store, lock: new CrossProcessLock(lockDir, fastTimings.lockStaleMs), record, refresher: issuer.refresher, timings: fastTimings });
    assert.equal((await coordinator.getSession({ profile: home.profile })).accessToken, 'at-1');
    assert.equal(issuer.calls, 1);
    assertRewrittenClean(record.file);
  });
}
