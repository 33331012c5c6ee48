// The package a user installs: `npm pack` (whose prepack builds the CLI), then
// `npm install -g --prefix TMP` of the tarball, offline (it has no dependency to fetch),
// and the three bins run from TMP/bin in a directory far from this repository, with only
// Node's own directory on PATH beside them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot, run } from '../support/processes';
import { signedInHome } from '../support/issuer-home';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

test('npm pack + npm install -g gives working credshare, credshare-bazel and docker-credential-credshare', { timeout: 300_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-install-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const npmEnv = { ...process.env, npm_config_cache: path.join(dir, 'npm-cache'), npm_config_update_notifier: 'false' };

  const pack = await run(npm, ['pack', '--json', '--pack-destination', dir], { cwd: repoRoot, env: npmEnv });
  assert.equal(pack.code, 0, pack.stderr);
  const [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string; size: number; files: { path: string }[] }[];
  const files = packed!.files.map((f) => f.path).sort();
  for (const bin of ['dist/cli.js', 'dist/credshare-bazel.js', 'dist/docker-credential-credshare.js']) assert.ok(files.includes(bin), `${bin} in ${files.join(', ')}`);
  assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f === 'dist/extension.js'), `only what runs ships: ${files.join(', ')}`);
  const tarball = path.join(dir, packed!.filename);

  const prefix = path.join(dir, 'prefix');
  const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-elsewhere-'));
  t.after(() => fs.rmSync(elsewhere, { recursive: true, force: true }));
  const install = await run(npm, ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball], { cwd: elsewhere, env: npmEnv });
  assert.equal(install.code, 0, install.stderr);
  t.diagnostic(`tarball ${packed!.filename}: ${packed!.size} bytes; npm install -g took ${Math.round(install.ms)} ms`);

  const bin = path.join(prefix, process.platform === 'win32' ? '' : 'bin');
  for (const name of ['credshare', 'credshare-bazel', 'docker-credential-credshare']) {
    assert.equal(fs.statSync(path.join(bin, name)).mode & 0o111, 0o111, `${name} is executable`);
  }
  const env = await signedInHome({ hosts: ['artifacts.example.com', 'registry.example.com'] });
  t.after(() => env.close());
  // No repository around: the bins must find everything inside the installed package.
  const toolEnv = { CREDSHARE_HOME: env.home.paths.home, HOME: elsewhere, PATH: [bin, path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter) };
  const runBin = (name: string, args: string[], input?: string) => run(path.join(bin, name), args, { cwd: elsewhere, env: toolEnv, input });

  const help = await runBin('credshare', ['--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /Usage: credshare <command>/);

  const token = env.home.readSession()!.accessToken;
  const bazel = await runBin('credshare-bazel', ['get'], JSON.stringify({ uri: 'https://artifacts.example.com/a.tar.gz' }));
  assert.equal(bazel.code, 0, bazel.stderr);
  assert.deepEqual(JSON.parse(bazel.stdout).headers, { Authorization: [`Bearer ${token}`] });

  const docker = await runBin('docker-credential-credshare', ['get'], 'registry.example.com\n');
  assert.equal(docker.code, 0, docker.stderr);
  assert.deepEqual(JSON.parse(docker.stdout), { ServerURL: 'registry.example.com', Username: 'oauth2', Secret: token });

  // An expired token: the installed bin refreshes it, once, with the bundled coordinator.
  env.home.expire();
  await env.issuer.resetStats();
  const refreshed = await runBin('credshare-bazel', ['get'], JSON.stringify({ uri: 'https://artifacts.example.com/a.tar.gz' }));
  assert.equal(refreshed.code, 0, refreshed.stderr);
  assert.notEqual(JSON.parse(refreshed.stdout).headers.Authorization[0], `Bearer ${token}`);
  assert.equal((await env.issuer.stats()).refreshRequests, 1);

  // The native client for this machine ships in the package, and `credshare setup` points
  // tools at it (without Go to build it, or on Windows, the package has none: the Node bins).
  const native = path.join(prefix, 'lib', 'node_modules', 'credshare', 'dist', 'native', `${process.platform}-${process.arch}`);
  if (!files.includes(`dist/native/${process.platform}-${process.arch}/credshare`)) {
    t.diagnostic('no native client in the package (no Go when it was built, or Windows)');
    return;
  }
  for (const platform of ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64']) {
    for (const name of ['credshare', 'credshare-bazel', 'docker-credential-credshare']) assert.ok(files.includes(`dist/native/${platform}/${name}`), `dist/native/${platform}/${name} ships`);
  }
  assert.ok(!files.some((f) => f.startsWith('dist/native/win32-')), 'no Windows client until there is a Windows agent');
  const runtime = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-run-'));
  t.after(() => fs.rmSync(runtime, { recursive: true, force: true }));
  const nativeEnv = { ...toolEnv, XDG_RUNTIME_DIR: runtime, GIT_CONFIG_GLOBAL: path.join(elsewhere, 'gitconfig') };
  const setup = await run(path.join(bin, 'credshare'), ['setup', 'git'], { cwd: elsewhere, env: nativeEnv });
  assert.equal(setup.code, 0, setup.stderr);
  assert.ok(setup.stdout.includes(`= !${path.join(native, 'credshare')} helper --protocol git`), setup.stdout);
  // The installed client answers (no agent yet: through the installed CLI, and it starts one).
  const viaClient = await run(path.join(native, 'credshare-bazel'), ['get'], { cwd: elsewhere, env: nativeEnv, input: JSON.stringify({ uri: 'https://artifacts.example.com/a.tar.gz' }) });
  assert.equal(viaClient.code, 0, viaClient.stderr);
  assert.deepEqual(JSON.parse(viaClient.stdout).headers, { Authorization: [`Bearer ${env.home.readSession()!.accessToken}`] });
  await run(path.join(bin, 'credshare'), ['agent', 'stop'], { cwd: elsewhere, env: nativeEnv });
});