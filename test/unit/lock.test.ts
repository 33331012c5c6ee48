import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CrossProcessLock } from '../../src/core/lock';
import { LockTimeoutError } from '../../src/core/errors';
import { spawnTs, waitForLine } from '../support/processes';

const holder = path.join(__dirname, '..', 'support', 'hold-lock.ts');

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-lock-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a lock held by another live process is not taken, and waiting for it times out clearly', async (t) => {
  const dir = tempDir(t);
  const child = spawnTs(holder, [dir, '2000', '4000']);
  t.after(() => child.kill('SIGKILL'));
  await waitForLine(child, /^held$/);
  const lock = new CrossProcessLock(dir, 2000);
  assert.equal(await lock.tryAcquire(), undefined);
  assert.equal(await lock.isHeld(), true);
  await assert.rejects(lock.acquire(600), (e: Error) => e instanceof LockTimeoutError && e.message.includes(lock.lockPath));
});

test('a lock left by a killed process heals after the stale period', async (t) => {
  const dir = tempDir(t);
  const child = spawnTs(holder, [dir, '2000', '60000']);
  await waitForLine(child, /^held$/);
  child.kill('SIGKILL');
  const lock = new CrossProcessLock(dir, 2000);
  const started = Date.now();
  assert.equal(await lock.tryAcquire(), undefined, 'not stale yet right after the kill');
  const held = await lock.acquire(10_000);
  const healedAfter = Date.now() - started;
  // The upper bound only shows it heals by itself, well before acquire's own 10 s bound would end it.
  assert.ok(healedAfter >= 1000 && healedAfter < 9000, `healed after ${healedAfter} ms`);
  await held.release();
});

test('a holder whose lock directory is removed underneath does not crash', async (t) => {
  const dir = tempDir(t);
  const child = spawnTs(holder, [dir, '2000', '2500']);
  await waitForLine(child, /^held$/);
  fs.rmSync(path.join(dir, 'refresh.lock'), { recursive: true, force: true });
  const line = await waitForLine(child, /^compromised=/, 10_000);
  assert.equal(line, 'compromised=true');
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, 'the holder exited normally');
});
