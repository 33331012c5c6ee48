import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TokenCoordinator } from '../../src/core/coordinator';
import { fileStoreParts } from '../../src/core/file-coordinator';
import { HolderWatch, processState } from '../../src/core/holder-watch';
import { CrossProcessLock } from '../../src/core/lock';
import { RefreshRecord } from '../../src/core/refresh-record';
import type { CredentialStore } from '../../src/core/store';
import { makeHome, sessionFixture, fastTimings } from '../support/home';
import { RotatingRefresher } from '../support/rotating-refresher';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a waiter reads the store once more before it fails: a session refreshed by the time it looks again is returned, past the hard cap', async (t) => {
  const home = makeHome();
  t.after(() => home.remove());
  home.writeSession(sessionFixture());
  const issuer = new RotatingRefresher();
  // Another process holds the lock (alive and fresh) for the whole test.
  const other = new CrossProcessLock(home.paths.home, fastTimings.lockStaleMs);
  const held = (await other.tryAcquire())!;
  t.after(() => held.release());
  const parts = fileStoreParts(home.paths, { ...fastTimings, lockTimeoutMs: 50 });
  // The sibling's refresh lands just after this caller's first read, and before it reads the
  // stamp it waits on: it must not leave without looking at the store again.
  let reads = 0;
  const store: CredentialStore = {
    location: parts.store.location,
    read: async (profile) => {
      const session = await parts.store.read(profile);
      if (++reads === 1) home.writeSession(sessionFixture({ accessToken: 'at-sibling', refreshToken: 'rt-sibling', expiresAt: Date.now() + 3_600_000 }));
      return session;
    },
    update: (...args) => parts.store.update(...args),
    changeStamp: async () => 'unchanged',
  };
  const coordinator = new TokenCoordinator({ ...parts, store, refresher: issuer.refresher });
  const session = await coordinator.getSession({ profile: home.profile });
  assert.equal(session.accessToken, 'at-sibling');
  assert.equal(issuer.calls, 0, 'never refreshed: the lock was never free');
});

test('a live holder with a fresh lock is waited for; a stale lock is tried; past the hard cap the wait fails naming the lock', async (t) => {
  const home = makeHome();
  t.after(() => home.remove());
  const record = new RefreshRecord(home.paths.home);
  const lock = new CrossProcessLock(home.paths.home, 1000);
  const held = (await lock.tryAcquire())!;
  const watch = new HolderWatch({ lock, record, staleMs: 1000, hardCapMs: 400 });
  assert.deepEqual(await watch.check(), { kind: 'wait' });
  await sleep(450);
  const verdict = await watch.check();
  assert.equal(verdict.kind, 'hard-cap');
  const error = watch.failure(verdict as Extract<typeof verdict, { kind: 'hard-cap' }>, 'default');
  assert.match(error.message, /Gave up after \d+s waiting for another credshare process to finish refreshing profile "default"/);
  assert.ok(error.message.includes(lock.lockPath));
  assert.match(error.message, new RegExp(`held by process ${process.pid}\\b`));
  assert.match(error.message, /still running but has not finished within the limit of 0s \(lockTimeoutMs\)/);
  await held.release();
  assert.deepEqual(await new HolderWatch({ lock, record, staleMs: 1000, hardCapMs: 60_000 }).check(), { kind: 'try-lock' });
});

test('a claimant that is stopped for the stale period is a frozen holder; resumed it is waited for; dead it is taken over', async (t) => {
  const home = makeHome();
  t.after(() => home.remove());
  const record = new RefreshRecord(home.paths.home);
  const lock = new CrossProcessLock(home.paths.home, 1000);
  // A real process holds the claim on token "fp": a node child that claims it and sleeps.
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', `
    const { RefreshRecord } = require(${JSON.stringify(path.resolve(__dirname, '../../src/core/refresh-record'))});
    new RefreshRecord(${JSON.stringify(home.paths.home)}).claim('fp');
    process.stdout.write('claimed\\n');
    setTimeout(() => {}, 60_000);
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill('SIGKILL'));
  await new Promise<void>((resolve) => child.stdout!.on('data', (d) => { if (String(d).includes('claimed')) resolve(); }));
  assert.equal(record.claimant('fp')?.pid, child.pid);
  const watch = new HolderWatch({ lock, record, staleMs: 300, hardCapMs: 60_000 });
  const claimed = { token: 'fp', pid: child.pid! };
  assert.deepEqual(await watch.check(claimed), { kind: 'wait' }, 'running: waited for');
  child.kill('SIGSTOP');
  await waitFor(() => processState(child.pid!) === 'stopped');
  assert.deepEqual(await watch.check(claimed), { kind: 'wait' }, 'stopped only just now');
  await sleep(350);
  const frozen = await watch.check(claimed);
  assert.equal(frozen.kind, 'frozen');
  const message = watch.failure(frozen as Extract<typeof frozen, { kind: 'frozen' }>, 'default').message;
  assert.match(message, new RegExp(`credshare process ${child.pid} \\(.+\\) is refreshing profile "default" but has been stopped for \\d+s`));
  assert.match(message, new RegExp(`kill -CONT ${child.pid}`));
  child.kill('SIGCONT');
  await waitFor(() => processState(child.pid!) === 'running');
  assert.deepEqual(await watch.check(claimed), { kind: 'wait' }, 'resumed: waited for again');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  assert.equal(processState(child.pid!), 'gone');
  assert.deepEqual(await watch.check(claimed), { kind: 'try-lock' }, 'dead: its claim is taken over by the next claim');
  assert.equal(record.claimant('fp'), undefined);
  assert.ok(fs.existsSync(path.join(home.paths.home, 'refresh-claims', 'fp.0')), 'the dead claim is left for the next claim to take over');
});

async function waitFor(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !predicate(); i++) await sleep(10);
  assert.ok(predicate());
}
