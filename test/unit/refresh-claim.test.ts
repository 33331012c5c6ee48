import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClaimedElsewhere, RefreshRecord, type TokenClaim } from '../../src/core/refresh-record';
import { lostRotation, lostRotationWords } from '../../src/core/refusal-outcomes';

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

// 17.6: a claim by a process that is gone, no outcome recorded since, then a refusal of that
// very token: most likely the issuer had already rotated it (refusal-outcomes.ts).
test('a claim taken over from a process that died says whose it was; with no outcome since, a refusal of that token is a lost rotation', async (t) => {
  const { record } = setup(t);
  // A real process claims the token and dies holding the claim (SIGKILL, as a closed window's extension host).
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', `
    const { RefreshRecord } = require(${JSON.stringify(path.resolve(__dirname, '../../src/core/refresh-record.ts'))});
    const { setProcessLabel } = require(${JSON.stringify(path.resolve(__dirname, '../../src/core/lock-owner.ts'))});
    setProcessLabel('VS Code window');
    new RefreshRecord(${JSON.stringify(record.file.replace(/\/refresh-state\.json$/, ''))}).claim('abc');
    process.stdout.write('claimed\\n');
    setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill('SIGKILL'));
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  const claimedAt = Date.now();
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));

  const claim = record.claim('abc');
  assert.ok(!(claim instanceof ClaimedElsewhere));
  assert.equal(claim.takenOverFrom?.pid, child.pid);
  assert.equal(claim.takenOverFrom?.command, 'VS Code window');
  assert.ok(claim.takenOverFrom!.at! <= claimedAt);
  const lost = lostRotation(claim, 'abc', record, 'default');
  assert.deepEqual(lost, claim.takenOverFrom, 'no outcome recorded for that token: lost');
  assert.match(lostRotationWords(lost!), new RegExp(`^This was probably a reuse of a refresh token the issuer had already rotated: credshare process ${child.pid} \\(VS Code window\\) claimed it \\d+s ago to refresh it and ended before it stored the answer`));

  // The dead process got as far as recording an outcome for the token (a failure): then it did not die holding a rotation.
  record.write('default', { outcome: 'failed', presented: 'abc', at: Date.now(), message: 'HTTP 500' });
  assert.equal(lostRotation(claim, 'abc', record, 'default'), undefined);
  claim.release();
});

test('a claim that was not taken over, or taken over from oneself, is never a lost rotation', (t) => {
  const { record, claims } = setup(t);
  const fresh = record.claim('abc') as TokenClaim;
  assert.equal(fresh.takenOverFrom, undefined);
  assert.equal(lostRotation(fresh, 'abc', record, 'default'), undefined);
  fresh.release();
  writeClaim(claims, 'def.0', process.pid);
  const own = record.claim('def') as TokenClaim;
  assert.equal(own.takenOverFrom, undefined, 'our own leftover claim is no other process\'s loss');
  own.release();
});
