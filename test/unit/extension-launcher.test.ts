// The `credshare` launcher the extension puts first on terminals' PATH: it must run the
// bundled CLI on the runtime it was given (VS Code's own, with ELECTRON_RUN_AS_NODE), from
// any directory, with arguments intact, whatever characters the paths contain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeLauncher } from '../../src/extension/launcher';

test('runs the CLI script on the given runtime with ELECTRON_RUN_AS_NODE=1, passing arguments through', { skip: process.platform === 'win32' }, (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "credshare launcher 'quoted' "));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cli = path.join(dir, "fake cli's.js");
  fs.writeFileSync(cli, 'process.stdout.write(JSON.stringify({ args: process.argv.slice(2), electron: process.env.ELECTRON_RUN_AS_NODE }));');
  const bin = writeLauncher(path.join(dir, 'bin'), process.execPath, cli);
  const out = execFileSync(path.join(bin, 'credshare'), ['token', '--profile', 'a b', "it's"], { cwd: os.tmpdir(), encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), { args: ['token', '--profile', 'a b', "it's"], electron: '1' });
  assert.equal(fs.statSync(bin).mode & 0o777, 0o700);
});

test('rewrites the launcher only when it changed (windows activate concurrently)', { skip: process.platform === 'win32' }, (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-launcher-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const bin = writeLauncher(path.join(dir, 'bin'), process.execPath, '/x/cli.js');
  const first = fs.statSync(path.join(bin, 'credshare')).ino;
  writeLauncher(bin, process.execPath, '/x/cli.js');
  assert.equal(fs.statSync(path.join(bin, 'credshare')).ino, first, 'unchanged: not replaced');
  writeLauncher(bin, process.execPath, '/y/cli.js');
  assert.match(fs.readFileSync(path.join(bin, 'credshare'), 'utf8'), /\/y\/cli\.js/);
});

test('offers credshare-bazel and docker-credential-credshare beside credshare, each the CLI with its helper arguments', { skip: process.platform === 'win32' }, (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-launcher-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cli = path.join(dir, 'cli.js');
  fs.writeFileSync(cli, 'process.stdout.write(JSON.stringify(process.argv.slice(2)));');
  const bin = writeLauncher(path.join(dir, 'bin'), process.execPath, cli);
  const runIt = (name: string, args: string[]) => JSON.parse(execFileSync(path.join(bin, name), args, { cwd: os.tmpdir(), encoding: 'utf8' }));
  assert.deepEqual(runIt('credshare-bazel', ['get']), ['helper', '--protocol', 'bazel', 'get']);
  assert.deepEqual(runIt('docker-credential-credshare', ['get']), ['helper', '--protocol', 'docker', 'get']);
  assert.deepEqual(runIt('credshare', ['status']), ['status']);
});
