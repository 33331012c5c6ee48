import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClaimedElsewhere, RefreshRecord, type TokenClaim } from '../../src/core/refresh-record';

function setup(t: { after(fn: () => void): void }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-claim-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return { dir, record: new RefreshRecord(dir), claims: path.join(dir, 'refresh-claims') };
}

function writeClaim(claims: string, name: string, pid: number): void {
  fs.mkdirSync(claims, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(claims, name), JSON.stringify({ pid }), { mode: 0o600 });
}

test('a claim is exclusive to the live process that holds it, stopped or not', async (t) => {
  const { record, claims } = setup(t);
  const other = spawn('sleep', ['30']);
  t.after(() => other.kill('SIGKILL'));
  writeClaim(claims, 'abc.0', other.pid!);
  other.kill('SIGSTOP');
  const result = record.claim('abc');
  assert.ok(result instanceof ClaimedElsewhere);
  assert.equal(result.pid, other.pid);
});

test('a claim left by a dead process is taken over, and released after use', (t) => {
  const { record, claims } = setup(t);
  writeClaim(claims, 'abc.0', 999_999);
  const claim = record.claim('abc') as TokenClaim;
  assert.ok(!(claim instanceof ClaimedElsewhere));
  assert.deepEqual(fs.readdirSync(claims).sort(), ['abc.0', 'abc.1']);
  assert.equal(JSON.parse(fs.readFileSync(path.join(claims, 'abc.1'), 'utf8')).pid, process.pid);
  assert.equal(fs.statSync(path.join(claims, 'abc.1')).mode & 0o777, 0o600);
  claim.release();
  assert.deepEqual(fs.readdirSync(claims), [], 'released with the dead one it replaced; no temp left');
});

test('a pid reused by another process does not keep a dead claim alive', (t) => {
  const { record, claims } = setup(t);
  // Our own pid is alive, but with another start time it is another process.
  fs.mkdirSync(claims, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(claims, 'abc.0'), JSON.stringify({ pid: process.ppid, start: '1' }), { mode: 0o600 });
  assert.ok(!(record.claim('abc') instanceof ClaimedElsewhere));
});

test('a claim that cannot be written is an error naming the directory, not a refresh without one', (t) => {
  const { dir, record } = setup(t);
  fs.writeFileSync(path.join(dir, 'refresh-claims'), 'not a directory');
  assert.throws(() => record.claim('abc'), (e: Error) => e.message.includes(path.join(dir, 'refresh-claims')));
});
