// Which credshare `credshare setup` points tools at: an installed one on PATH first, never
// the VS Code extension's launchers while an installed one exists, and the launchers only
// as a last resort, with the caveat printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeLauncher } from '../../src/extension/launcher';
import { resolveBins } from '../../src/cli/setup/bins';

function installedBinDir(root: string): string {
  const dir = path.join(root, 'npm-bin');
  fs.mkdirSync(dir);
  for (const name of ['credshare', 'credshare-bazel', 'docker-credential-credshare']) fs.writeFileSync(path.join(dir, name), '#!/usr/bin/env node\n', { mode: 0o755 });
  return dir;
}

test('an installed credshare on PATH wins over the VS Code launchers that come first on PATH', { skip: process.platform === 'win32' }, (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-bins-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const launchers = writeLauncher(path.join(root, 'vscode-bin'), process.execPath, '/ext/dist/cli.js');
  const installed = installedBinDir(root);
  const bins = resolveBins({ PATH: [launchers, installed].join(path.delimiter) }, '');
  assert.deepEqual(bins, { credshare: path.join(installed, 'credshare'), bazel: path.join(installed, 'credshare-bazel'), docker: path.join(installed, 'docker-credential-credshare') });
});

test('with only the VS Code launchers, setup uses them and says what that means outside VS Code', { skip: process.platform === 'win32' }, (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-bins-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const launchers = writeLauncher(path.join(root, 'vscode-bin'), process.execPath, '/ext/dist/cli.js');
  const bins = resolveBins({ PATH: launchers }, '');
  assert.equal(bins.credshare, path.join(launchers, 'credshare'));
  assert.match(bins.caveat ?? '', /VS Code extension's launchers.*while VS Code and the extension stay installed.*npm install -g/s);
});

test('nothing found: an error that says how to install', () => {
  assert.throws(() => resolveBins({ PATH: '/nonexistent' }, ''), /npm install -g/);
});
