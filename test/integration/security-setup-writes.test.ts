// Issue 16, finding 2, written as the attack, with two local users: the victim runs
// `credshare setup` for a target in a team-shared directory (`--bazelrc`, DOCKER_CONFIG,
// CARGO_HOME, a kubeconfig, GIT_CONFIG_GLOBAL) that another user can write. That user,
// running as their own uid, fills the shared files with text of their choosing and plants
// symbolic links to the victim's ~/.bashrc at every temp name setup could pick for the
// next few thousand pids (credshare 0.1 wrote `<target>.credshare-<pid>.tmp` through links
// and set the mode through them: the victim's ~/.bashrc became 0666 with the attacker's
// line in it), and then replaces the target itself with such a link. The victim's other
// files must stay byte for byte and mode for mode, and setup must say which directory
// others can write. The second user is created with useradd (the tests run as root in CI).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fault } from '../support/fault-report';
import { run, runCli } from '../support/processes';
import { findExecutable } from '../support/seen-requests';
import { startToolRig, type ToolRig } from '../support/tool-rig';

const file = __filename;
const isRoot = process.getuid?.() === 0;
const missing = ['useradd', 'userdel', 'git', 'kubectl'].filter((name) => !findExecutable(name) && !fs.existsSync(`/usr/sbin/${name}`));
const skip = !isRoot ? 'needs root to create a second local user (useradd) and run a process as that user'
  : missing.length ? `needs ${missing.join(', ')}` : false;

/** Links planted per tool: more pids than this machine starts while one setup runs. */
const PLANTED_PIDS = 4000;

interface Attacker { uid: number; gid: number; name: string }

function createAttacker(): Attacker {
  const name = `credshare-atk-${process.pid}`;
  execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name]);
  const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g'), name };
}

/** Runs `script` (JavaScript) as the attacker, with ARGS as its argument list. */
async function asAttacker(attacker: Attacker, script: string, args: unknown): Promise<void> {
  const result = await run(process.execPath, ['-e', script, JSON.stringify(args)], { uid: attacker.uid, gid: attacker.gid, cwd: '/' });
  assert.equal(result.code, 0, `the attacker's script failed: ${result.stderr}`);
}

/** Writes the shared files with the attacker's text and plants links to `victimFile` at credshare 0.1's temp names for the next pids. */
const PLANT = `
const fs = require('fs');
const { files, victimFile, pids } = JSON.parse(process.argv[1]);
const last = Number(fs.readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8'));
const max = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
for (const [target, text] of Object.entries(files)) {
  if (text !== null) fs.writeFileSync(target, text, { mode: 0o666 });
  for (let i = 1; i <= pids; i++) {
    let pid = last + i;
    if (pid >= max) pid = 300 + pid - max;
    try { fs.symlinkSync(victimFile, target + '.credshare-' + pid + '.tmp'); } catch {}
  }
  try { fs.symlinkSync(victimFile, target + '.lock'); } catch {}
}`;

/** Replaces each target with a link to the victim's file. */
const SWAP = `
const fs = require('fs');
const { targets, victimFile } = JSON.parse(process.argv[1]);
for (const target of targets) { fs.rmSync(target, { force: true }); fs.symlinkSync(victimFile, target); }`;

/** Every file under `dir`: content and mode, to compare before and after. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (p: string): void => {
    const stat = fs.lstatSync(p);
    if (stat.isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name));
    else files[p] = `${(stat.mode & 0o7777).toString(8)} ${stat.isSymbolicLink() ? `-> ${fs.readlinkSync(p)}` : fs.readFileSync(p, 'utf8')}`;
  };
  walk(dir);
  return files;
}

interface Scene { rig: ToolRig; shared: string; victimHome: string; bashrc: string; targets: Record<string, string>; env: NodeJS.ProcessEnv }

async function scene(t: { after(fn: () => unknown): void }): Promise<Scene> {
  const rig = await startToolRig();
  t.after(() => rig.close());
  rig.setHosts(['artifacts.example.com', 'registry.example.com']);
  // The attacker must reach the shared directory: the scratch root is 0711, the shared directory 0777 (no sticky bit).
  fs.chmodSync(rig.root, 0o711);
  const shared = path.join(rig.root, 'shared');
  for (const dir of [shared, path.join(shared, 'docker'), path.join(shared, 'cargo'), path.join(shared, 'kube')]) {
    fs.mkdirSync(dir);
    fs.chmodSync(dir, 0o777);
  }
  const victimHome = rig.env.HOME!;
  const bashrc = path.join(victimHome, '.bashrc');
  fs.writeFileSync(bashrc, '# the victim\'s own shell start-up\nexport EDITOR=vi\n', { mode: 0o644 });
  fs.mkdirSync(path.join(victimHome, '.ssh'), { mode: 0o700 });
  fs.writeFileSync(path.join(victimHome, '.ssh', 'config'), 'Host *\n  IdentitiesOnly yes\n', { mode: 0o600 });
  const targets = {
    bazel: path.join(shared, '.bazelrc'),
    docker: path.join(shared, 'docker', 'config.json'),
    cargo: path.join(shared, 'cargo', 'config.toml'),
    kubectl: path.join(shared, 'kube', 'config'),
    git: path.join(shared, 'gitconfig'),
  };
  const env = { ...rig.env, DOCKER_CONFIG: path.dirname(targets.docker), CARGO_HOME: path.dirname(targets.cargo), GIT_CONFIG_GLOBAL: targets.git, GIT_CONFIG_NOSYSTEM: '1' };
  return { rig, shared, victimHome, bashrc, targets, env };
}

/** What the attacker writes into each shared file: valid for the tool, with their own line. */
function attackerTexts(targets: Record<string, string>): Record<string, string> {
  return {
    [targets.bazel!]: 'echo attacker-was-here # a shell line in a bazelrc\ncommon --announce_rc\n',
    [targets.docker!]: '{"auths": {}, "attacker": "echo attacker-was-here"}\n',
    [targets.cargo!]: '# echo attacker-was-here\n[registries.corp]\nindex = "sparse+https://artifacts.example.com/index/"\n',
    [targets.kubectl!]: 'apiVersion: v1\nkind: Config\n# echo attacker-was-here\n',
    [targets.git!]: '# echo attacker-was-here\n[user]\n\tname = team\n',
  };
}

const setupArgs = (tool: string, targets: Record<string, string>): string[] =>
  ['setup', tool, ...(tool === 'bazel' ? ['--bazelrc', targets.bazel!] : tool === 'kubectl' ? ['--kubeconfig', targets.kubectl!] : [])];

test('setup into a directory another user can write: links planted at every temp name for the next pids do not reach the victim\'s files', { skip, timeout: 180_000 }, async (t) => {
  const attacker = createAttacker();
  t.after(() => { execFileSync('userdel', [attacker.name]); });
  const { victimHome, bashrc, targets, env, shared } = await scene(t);
  const before = snapshot(victimHome);
  await fault({ id: 'security/setup-planted-temp-links', area: 'security', fault: `another local user writes a shared --bazelrc, DOCKER_CONFIG, CARGO_HOME, kubeconfig and GIT_CONFIG_GLOBAL and plants links to the victim's ~/.bashrc at the temp names of the next ${PLANTED_PIDS} pids; the victim runs setup for each`, expected: 'every setup exits 0 and warns naming the directory; the victim\'s other files unchanged (content and mode); each target a regular file of the victim\'s', file }, async (tally) => {
    for (const tool of ['bazel', 'docker', 'cargo', 'kubectl', 'git'] as const) {
      await asAttacker(attacker, PLANT, { files: { [targets[tool]]: attackerTexts(targets)[targets[tool]] }, victimFile: bashrc, pids: PLANTED_PIDS });
      const result = await runCli(setupArgs(tool, targets), env);
      tally.calls(result);
      const changed = Object.keys(before).filter((f) => snapshot(victimHome)[f] !== before[f]);
      if (changed.length) tally.dataLost += changed.length;
      assert.deepEqual(snapshot(victimHome), before, `${tool}: the victim's files changed: ${fs.readFileSync(bashrc, 'utf8')}`);
      assert.equal(result.code, 0, `${tool}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`warning: ${path.dirname(targets[tool]).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} can be written by other users \\(mode 0777, no sticky bit\\)`), `${tool}: ${result.stderr}`);
      const stat = fs.lstatSync(targets[tool]);
      assert.ok(stat.isFile() && stat.uid === process.getuid!(), `${tool}: the target is a regular file of the victim's`);
      assert.match(fs.readFileSync(targets[tool], 'utf8'), /credshare/, `${tool}: set up`);
    }
    tally.note(`${fs.readdirSync(shared).length} names left in the shared directory, the victim's ${Object.keys(before).length} files unchanged`);
  });
});

test('setup when another user replaced the target with a link to the victim\'s file: refused, nothing of the victim\'s written', { skip, timeout: 180_000 }, async (t) => {
  const attacker = createAttacker();
  t.after(() => { execFileSync('userdel', [attacker.name]); });
  const { victimHome, bashrc, targets, env } = await scene(t);
  const before = snapshot(victimHome);
  await fault({ id: 'security/setup-swapped-target-link', area: 'security', fault: 'another local user replaces each shared target (bazelrc, docker config.json, cargo config.toml, kubeconfig, gitconfig) with a link to the victim\'s ~/.bashrc; the victim runs setup for each', expected: 'each setup exits 1 naming the link and why it is not followed; the victim\'s files unchanged', file }, async (tally) => {
    await asAttacker(attacker, SWAP, { targets: Object.values(targets), victimFile: bashrc });
    for (const tool of ['bazel', 'docker', 'cargo', 'kubectl', 'git'] as const) {
      const result = await runCli(setupArgs(tool, targets), env);
      tally.calls(result);
      const changed = Object.keys(before).filter((f) => snapshot(victimHome)[f] !== before[f]);
      if (changed.length) tally.dataLost += changed.length;
      assert.deepEqual(snapshot(victimHome), before, `${tool}: the victim's files changed: ${fs.readFileSync(bashrc, 'utf8')}`);
      assert.equal(result.code, 1, `${tool}: ${result.stdout} ${result.stderr}`);
      assert.match(result.stderr, /is a symbolic link in .* which can be written by other users.*does not follow it/, `${tool}: ${result.stderr}`);
    }
  });
  // The control: a link of the victim's own, in a directory only they write (a dotfile manager), is still followed.
  const dotfiles = path.join(victimHome, 'dotfiles');
  fs.mkdirSync(dotfiles, { mode: 0o700 });
  fs.writeFileSync(path.join(dotfiles, 'bazelrc'), 'common --announce_rc\n', { mode: 0o640 });
  fs.symlinkSync(path.join(dotfiles, 'bazelrc'), path.join(victimHome, '.bazelrc'));
  const own = await runCli(['setup', 'bazel'], env);
  assert.equal(own.code, 0, own.stderr);
  assert.ok(fs.lstatSync(path.join(victimHome, '.bazelrc')).isSymbolicLink(), 'the link is kept');
  assert.match(fs.readFileSync(path.join(dotfiles, 'bazelrc'), 'utf8'), /common --announce_rc\n# >>> credshare setup bazel/);
  assert.equal(fs.statSync(path.join(dotfiles, 'bazelrc')).mode & 0o777, 0o640, 'its mode kept');
  assert.doesNotMatch(own.stderr, /warning/);
});
