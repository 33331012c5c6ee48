import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileCredentialStore } from '../../src/core/file-store';
import { StoreError } from '../../src/core/errors';
import { KEEP } from '../../src/core/store';
import { makeHome, sessionFixture } from '../support/home';

test('writes sessions 0600 in a 0700 home and reads them back', async (t) => {
  const home = makeHome();
  t.after(() => home.remove());
  fs.chmodSync(home.paths.home, 0o755);
  const store = new FileCredentialStore(home.paths.credentials);
  await store.update('default', () => sessionFixture({ accessToken: 'at-1' }));
  assert.equal(fs.statSync(home.paths.credentials).mode & 0o777, 0o600);
  assert.equal(fs.statSync(home.paths.home).mode & 0o777, 0o700);
  assert.equal((await store.read('default'))?.accessToken, 'at-1');
  assert.deepEqual(fs.readdirSync(home.paths.home).filter((f) => f.endsWith('.tmp')), [], 'no temp file is left behind');
});

test('keeps fields it does not know, at the top level and in sessions', async (t) => {
  const home = makeHome();
  t.after(() => home.remove());
  fs.writeFileSync(home.paths.credentials, JSON.stringify({
    version: 1, futureTopLevel: { keep: true },
    sessions: { default: { ...sessionFixture(), futureField: 42 }, other: sessionFixture({ accessToken: 'other' }) },
  }), { mode: 0o600 });
  const store = new FileCredentialStore(home.paths.credentials);
  await store.update('default', (s) => ({ ...s!, accessToken: 'at-2' }));
  const written = JSON.parse(fs.readFileSync(home.paths.credentials, 'utf8'));
  assert.deepEqual(written.futureTopLevel, { keep: true });
  assert.equal(written.sessions.default.futureField, 42);
  assert.equal(written.sessions.default.accessToken, 'at-2');
  assert.equal(written.sessions.other.accessToken, 'other');
});

test('refuses an unknown higher version and does not overwrite it', async (t) => {
  const home = makeHome();
  t.after(() => home.remove());
  const original = JSON.stringify({ version: 2, sessions: {} });
  fs.writeFileSync(home.paths.credentials, original, { mode: 0o600 });
  const store = new FileCredentialStore(home.paths.credentials);
  await assert.rejects(store.read('default'), (e: Error) => e instanceof StoreError && /newer credshare/.test(e.message) && e.message.includes(home.paths.credentials));
  await assert.rejects(store.update('default', () => sessionFixture()), StoreError);
  assert.equal(fs.readFileSync(home.paths.credentials, 'utf8'), original);
});

for (const [name, content, pattern] of [
  ['an empty file', '', /is empty/],
  ['truncated JSON', '{"version": 1, "sessions": {"default": {"accessTo', /not valid JSON/],
  ['JSON of another shape', '{"token": "abc"}', /not a credshare credentials file/],
  ['a session of another shape', '{"version": 1, "sessions": {"default": {"token": 1}}}', /unknown shape/],
] as const) {
  test(`refuses ${name}, names the file, and leaves it untouched`, async (t) => {
    const home = makeHome();
    t.after(() => home.remove());
    fs.writeFileSync(home.paths.credentials, content, { mode: 0o600 });
    const store = new FileCredentialStore(home.paths.credentials);
    await assert.rejects(store.read('default'), (e: Error) => e instanceof StoreError && pattern.test(e.message) && e.message.includes(home.paths.credentials));
    await assert.rejects(store.update('default', () => sessionFixture()), StoreError);
    assert.equal(fs.readFileSync(home.paths.credentials, 'utf8'), content);
  });
}

test('refuses a credentials file others can read, and a symlink in its place', async (t) => {
  const home = makeHome();
  t.after(() => home.remove());
  const store = new FileCredentialStore(home.paths.credentials);
  await store.update('default', () => sessionFixture());
  fs.chmodSync(home.paths.credentials, 0o644);
  await assert.rejects(store.read('default'), /can be read by other users \(mode 0644\)/);
  fs.chmodSync(home.paths.credentials, 0o600);
  const elsewhere = path.join(path.dirname(home.paths.home), 'elsewhere.json');
  fs.renameSync(home.paths.credentials, elsewhere);
  fs.symlinkSync(elsewhere, home.paths.credentials);
  await assert.rejects(store.read('default'), /is a symbolic link/);
});

test('an update that keeps the session does not write', async (t) => {
  const home = makeHome();
  t.after(() => home.remove());
  const store = new FileCredentialStore(home.paths.credentials);
  await store.update('default', () => sessionFixture());
  const before = await store.changeStamp();
  await store.update('default', () => KEEP);
  assert.equal(await store.changeStamp(), before);
});
