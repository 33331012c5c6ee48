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

test('a package with a native client for this machine: tools get the client and its credshare-bazel; docker keeps the name on PATH; CREDSHARE_NATIVE=off keeps the Node bins', { skip: process.platform === 'win32' }, (t) => {
  const built = path.join(__dirname, '..', '..', 'dist', 'native', `${process.platform}-${process.arch}`);
  if (!fs.existsSync(path.join(built, 'credshare'))) { t.skip('no native client built (no Go)'); return; }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-bins-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  // As `npm install -g` lays it out: PREFIX/bin/<name> -> PREFIX/lib/node_modules/credshare/dist/<file>.
  const dist = path.join(root, 'lib', 'node_modules', 'credshare', 'dist');
  const native = path.join(dist, 'native', `${process.platform}-${process.arch}`);
  fs.mkdirSync(native, { recursive: true });
  fs.writeFileSync(path.join(dist, 'cli.js'), "#!/usr/bin/env node\nprocess.stdout.write('9.8.7\\n');\n", { mode: 0o755 });
  for (const name of ['credshare-bazel.js', 'docker-credential-credshare.js']) fs.writeFileSync(path.join(dist, name), '#!/usr/bin/env node\n', { mode: 0o755 });
  for (const name of ['credshare', 'credshare-bazel', 'docker-credential-credshare']) fs.copyFileSync(path.join(built, name), path.join(native, name));
  for (const name of ['credshare', 'credshare-bazel', 'docker-credential-credshare']) fs.chmodSync(path.join(native, name), 0o755);
  const bin = path.join(root, 'bin');
  fs.mkdirSync(bin);
  fs.symlinkSync(path.join(dist, 'cli.js'), path.join(bin, 'credshare'));
  fs.symlinkSync(path.join(dist, 'credshare-bazel.js'), path.join(bin, 'credshare-bazel'));
  fs.symlinkSync(path.join(dist, 'docker-credential-credshare.js'), path.join(bin, 'docker-credential-credshare'));
  const PATH = [bin, path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter);

  assert.deepEqual(resolveBins({ PATH, HOME: root }, ''), {
    credshare: path.join(native, 'credshare'), bazel: path.join(native, 'credshare-bazel'), docker: path.join(bin, 'docker-credential-credshare'), native,
  });
  assert.deepEqual(resolveBins({ PATH, HOME: root, CREDSHARE_NATIVE: 'off' }, ''), {
    credshare: path.join(bin, 'credshare'), bazel: path.join(bin, 'credshare-bazel'), docker: path.join(bin, 'docker-credential-credshare'),
  });
  // A client that cannot reach its CLI (here: no node on PATH for its fallback) is not used.
  assert.equal(resolveBins({ PATH: bin, HOME: root }, '').native, undefined);
});
