// The `credshare` launcher the extension puts first on terminals' PATH: it must run the
// bundled CLI on the runtime it was given (VS Code's own, with ELECTRON_RUN_AS_NODE), from
// any directory, with arguments intact, whatever characters the paths contain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
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

test('with the native client packed beside the CLI, the launchers run it, with VS Code\'s runtime for its fallback', { skip: process.platform === 'win32' }, (t) => {
  const built = path.join(__dirname, '..', '..', 'dist', 'native', `${process.platform}-${process.arch}`, 'credshare');
  if (!fs.existsSync(built)) { t.skip('no native client built (no Go): the launchers run the CLI directly, tested above'); return; }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-launcher-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  // The extension's layout: dist/cli.js, dist/native/<platform>-<arch>/credshare.
  const cli = path.join(dir, 'dist', 'cli.js');
  const client = path.join(dir, 'dist', 'native', `${process.platform}-${process.arch}`, 'credshare');
  fs.mkdirSync(path.dirname(client), { recursive: true });
  fs.writeFileSync(cli, 'process.stdout.write(JSON.stringify({ args: process.argv.slice(2), electron: process.env.ELECTRON_RUN_AS_NODE, runtime: process.execPath }));');
  fs.copyFileSync(built, client);
  fs.chmodSync(client, 0o755);
  const bin = writeLauncher(path.join(dir, 'bin'), process.execPath, cli);
  assert.match(fs.readFileSync(path.join(bin, 'credshare-bazel'), 'utf8'), /CREDSHARE_NODE=.* ELECTRON_RUN_AS_NODE=1 exec '.*\/dist\/native\/[a-z0-9-]+\/credshare' helper --protocol bazel "\$@"/);
  // No agent is asked here (CREDSHARE_AGENT=off): the client runs the CLI on the runtime it was given.
  const env = { PATH: '/usr/bin:/bin', CREDSHARE_AGENT: 'off', CREDSHARE_DEBUG: '1', HOME: dir };
  const result = spawnSync(path.join(bin, 'credshare-bazel'), ['get'], { cwd: os.tmpdir(), env, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), { args: ['helper', '--protocol', 'bazel', 'get'], electron: '1', runtime: process.execPath });
  assert.match(result.stderr, /^credshare-client: running the Node CLI: CREDSHARE_AGENT=off$/m);
});
