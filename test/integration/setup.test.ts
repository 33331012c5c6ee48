// `credshare setup <tool>` in a temporary HOME, per tool: the first run writes the tool's
// own configuration, a second run changes nothing, every other setting is kept, and
// --undo gives back the file as it was. The written settings are read back by the real
// tools where they run here (git credential fill, cargo, kubectl).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeBinDir } from '../support/bins';
import { nativeClient, nativeDir, stopAgent } from '../support/native';
import { run, runCli } from '../support/processes';
import { signedInHome, type SignedInHome } from '../support/issuer-home';

const HOSTS = ['artifacts.example.com', 'registry.example.com:5000', '*.internal.example.com'];

/** `bin`: the directory whose programs setup points tools at (the native client's, where it is built). */
interface Rig { env: SignedInHome; home: string; bin: string; toolEnv: NodeJS.ProcessEnv; setup(...args: string[]): Promise<string> }

async function rig(t: { after(fn: () => unknown): void }): Promise<Rig> {
  const env = await signedInHome({ hosts: HOSTS });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-setup-home-'));
  const bin = makeBinDir();
  // Agents a native client starts (real cargo runs it) live in a socket directory of this test's.
  const runtime = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-setup-run-'));
  fs.chmodSync(runtime, 0o700);
  const toolEnv: NodeJS.ProcessEnv = {
    PATH: `${bin}${path.delimiter}${process.env.PATH}`, HOME: home, CREDSHARE_HOME: env.home.paths.home, XDG_RUNTIME_DIR: runtime,
    // rustup finds its toolchains under the real home, not the temporary one.
    RUSTUP_HOME: process.env.RUSTUP_HOME ?? path.join(os.homedir(), '.rustup'),
    GIT_CONFIG_NOSYSTEM: '1',
  };
  const setup = async (...args: string[]) => {
    const result = await runCli(['setup', ...args], toolEnv);
    assert.equal(result.code, 0, `setup ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  t.after(async () => {
    await stopAgent(toolEnv);
    await env.close();
    for (const dir of [home, bin, runtime]) fs.rmSync(dir, { recursive: true, force: true });
  });
  const native = process.platform !== 'win32' && fs.existsSync(nativeClient);
  return { env, home, bin: native ? nativeDir : bin, toolEnv, setup };
}

test('setup git: credential.<url>.helper per host in the global config, idempotent, --undo restores the file', { timeout: 60_000 }, async (t) => {
  const { env, home, bin, toolEnv, setup } = await rig(t);
  const file = path.join(home, '.gitconfig');
  const original = '[user]\n\tname = Alice\n[credential]\n\thelper = store\n';
  fs.writeFileSync(file, original);
  const printed = await setup('git');
  const helper = `!${bin}/credshare helper --protocol git`;
  assert.match(printed, new RegExp(`added credential\\.https://artifacts\\.example\\.com\\.helper = "" .* and credential\\.https://artifacts\\.example\\.com\\.helper = ${helper.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
  t.diagnostic(`~/.gitconfig after setup git:\n${fs.readFileSync(file, 'utf8')}`);
  const get = (key: string) => run('git', ['config', '--global', '--get-all', key], { env: toolEnv });
  assert.equal((await get('credential.https://registry.example.com:5000.helper')).stdout, `\n${helper}\n`);
  assert.equal((await get('user.name')).stdout, 'Alice\n');

  // The real git, with the config as written: the token for our host, and the user's own
  // helper (store) still asked for every other host.
  const fill = await run('git', ['credential', 'fill'], { env: { ...toolEnv, GIT_TERMINAL_PROMPT: '0' }, input: 'protocol=https\nhost=artifacts.example.com\npath=repo.git\n\n', cwd: home });
  assert.equal(fill.code, 0, fill.stderr);
  assert.match(fill.stdout, new RegExp(`password=${env.home.readSession()!.accessToken}\n`));

  const written = fs.readFileSync(file, 'utf8');
  assert.match(await setup('git'), /git: nothing changed/);
  assert.equal(fs.readFileSync(file, 'utf8'), written, 'second run: same bytes');
  assert.match(await setup('git', '--undo'), /removed credential\.https:\/\/artifacts\.example\.com\.helper/);
  assert.equal(fs.readFileSync(file, 'utf8'), original);

  // credshare installed elsewhere since: the old value is replaced where it stands, and undo still finds it.
  fs.writeFileSync(file, original + '[credential "https://artifacts.example.com"]\n\thelper = \n\thelper = !/old/prefix/bin/credshare helper --protocol git\n');
  assert.match(await setup('git'), /replaced credential\.https:\/\/artifacts\.example\.com\.helper = !\/old\/prefix\/bin\/credshare helper --protocol git with !.*\n.*"" before it stays on --undo/);
  assert.equal((await get('credential.https://artifacts.example.com.helper')).stdout, `\n${helper}\n`);
  // That "" came from a setup without a record (credshare 0.1), or from the user: it stays, and undo says so.
  assert.match(await setup('git', '--undo'), /removed credential\.https:\/\/artifacts\.example\.com\.helper = .*; kept ""/);
  assert.equal(fs.readFileSync(file, 'utf8'), original + '[credential "https://artifacts.example.com"]\n\thelper = \n');
  fs.writeFileSync(file, original);

  // GIT_CONFIG_GLOBAL is where `git config --global` writes; ~/.gitconfig is left alone.
  const other = path.join(home, 'other-gitconfig');
  const viaVar = await runCli(['setup', 'git'], { ...toolEnv, GIT_CONFIG_GLOBAL: other });
  assert.equal(viaVar.code, 0, viaVar.stderr);
  assert.match(fs.readFileSync(other, 'utf8'), /helper = !.*credshare helper --protocol git/);
  assert.equal(fs.readFileSync(file, 'utf8'), original);
});

test('setup docker: credHelpers in $DOCKER_CONFIG/config.json, never credsStore, other keys and helpers kept', { timeout: 60_000 }, async (t) => {
  const { home, toolEnv, setup } = await rig(t);
  const dockerDir = path.join(home, 'docker-config');
  fs.mkdirSync(dockerDir);
  const file = path.join(dockerDir, 'config.json');
  const original = JSON.stringify({ auths: { 'other.test': { auth: 'eDp5' } }, credsStore: 'desktop', credHelpers: { 'registry.example.com:5000': 'ecr-login', 'gcr.io': 'gcloud' }, psFormat: 'table' }, null, '\t') + '\n';
  fs.writeFileSync(file, original, { mode: 0o600 });
  const env = { ...toolEnv, DOCKER_CONFIG: dockerDir };
  const first = await runCli(['setup', 'docker'], env);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /added credHelpers\["artifacts\.example\.com"\] = "credshare"/);
  assert.match(first.stdout, /registry\.example\.com:5000 already uses docker-credential-ecr-login; left as it is/);
  assert.match(first.stdout, /\*\.internal\.example\.com skipped/);
  const written = fs.readFileSync(file, 'utf8');
  t.diagnostic(`config.json after setup docker:\n${written}`);
  assert.deepEqual(JSON.parse(written), { ...JSON.parse(original), credHelpers: { 'registry.example.com:5000': 'ecr-login', 'gcr.io': 'gcloud', 'artifacts.example.com': 'credshare' } });
  assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'mode kept');
  assert.match((await runCli(['setup', 'docker'], env)).stdout, /nothing changed/);
  assert.equal(fs.readFileSync(file, 'utf8'), written);
  assert.equal((await runCli(['setup', 'docker', '--undo'], env)).code, 0);
  assert.equal(fs.readFileSync(file, 'utf8'), original);

  // Default place, a fresh machine: ~/.docker/config.json is created, 0600.
  assert.match(await setup('docker'), /added credHelpers\["registry\.example\.com:5000"\]/);
  const fresh = path.join(home, '.docker', 'config.json');
  assert.deepEqual(JSON.parse(fs.readFileSync(fresh, 'utf8')), { credHelpers: { 'artifacts.example.com': 'credshare', 'registry.example.com:5000': 'credshare' } });
  assert.equal(fs.statSync(fresh).mode & 0o777, 0o600);
  // A config docker itself cannot read is reported, not overwritten.
  fs.writeFileSync(file, '{"auths": ');
  const bad = await runCli(['setup', 'docker'], env);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /config\.json is not valid JSON/);
  assert.equal(fs.readFileSync(file, 'utf8'), '{"auths": ');
});

test('setup bazel: a marked block of common --credential_helper lines, scopes Bazel accepts, --undo removes only it', { timeout: 60_000 }, async (t) => {
  const { home, bin, setup } = await rig(t);
  const file = path.join(home, 'project.bazelrc');
  const original = 'build --jobs=4\n# my own comment\ncommon --remote_cache=grpcs://cache.example.com\n';
  fs.writeFileSync(file, original);
  const printed = await setup('bazel', '--bazelrc', file);
  const written = fs.readFileSync(file, 'utf8');
  t.diagnostic(`${file} after setup bazel:\n${written}`);
  assert.equal(written, original + [
    '# >>> credshare setup bazel, profile default (`credshare setup bazel --undo` removes this block) >>>',
    `common --credential_helper=artifacts.example.com=${bin}/credshare-bazel`,
    `common --credential_helper=registry.example.com=${bin}/credshare-bazel`,
    `common --credential_helper=*.internal.example.com=${bin}/credshare-bazel`,
    '# <<< credshare setup bazel, profile default <<<',
    '',
  ].join('\n'));
  assert.match(printed, /added:/);
  assert.match(await setup('bazel', '--bazelrc', file), /already set up; nothing changed/);
  assert.equal(fs.readFileSync(file, 'utf8'), written);
  await setup('bazel', '--bazelrc', file, '--undo');
  assert.equal(fs.readFileSync(file, 'utf8'), original);
  // Default: ~/.bazelrc.
  await setup('bazel');
  assert.match(fs.readFileSync(path.join(home, '.bazelrc'), 'utf8'), /^# >>> credshare setup bazel/);
});

test('setup cargo: credential-provider for the registries on profile hosts only; real cargo runs it; --undo restores', { timeout: 120_000 }, async (t) => {
  const { home, bin, toolEnv, setup } = await rig(t);
  const cargoHome = path.join(home, 'cargo-home');
  fs.mkdirSync(cargoHome);
  const file = path.join(cargoHome, 'config.toml');
  const original = [
    '# my cargo settings', '[net]', 'git-fetch-with-cli = true', '',
    '[registries.corp]', 'index = "sparse+https://artifacts.example.com/index/"  # the company registry', '',
    '[registries."other"]', 'index = "sparse+https://crates.other.test/index/"', '',
    '[registries.pinned]', 'index = "sparse+https://registry.example.com:5000/index/"', 'credential-provider = "cargo:token"', '',
  ].join('\n');
  fs.writeFileSync(file, original);
  const env = { ...toolEnv, CARGO_HOME: cargoHome };
  const first = await runCli(['setup', 'cargo'], env);
  assert.equal(first.code, 0, first.stderr);
  const line = `credential-provider = ["${bin}/credshare", "helper", "--protocol", "cargo"] # added by \`credshare setup cargo\``;
  const written = fs.readFileSync(file, 'utf8');
  t.diagnostic(`config.toml after setup cargo:\n${written}`);
  assert.equal(written, original.replace('[registries.corp]\n', `[registries.corp]\n${line}\n`));
  assert.match(first.stdout, /\[registries\.pinned\] already has credential-provider = "cargo:token"; left as it is/);
  assert.match((await runCli(['setup', 'cargo'], env)).stdout, /nothing changed/);
  assert.equal(fs.readFileSync(file, 'utf8'), written);

  // The real cargo reads the setting, starts `credshare --cargo-plugin` and shows its answer.
  const cargo = await run('cargo', ['logout', '--registry', 'corp'], { env, cwd: home });
  if (cargo.stderr.includes('could not choose a version') || (cargo.code === null)) t.diagnostic('cargo unusable here; skipped the real-cargo check');
  else assert.match(cargo.stderr, /credential provider `.*credshare helper --protocol cargo` failed action `logout`[\s\S]*run `credshare logout`/);

  await runCli(['setup', 'cargo', '--undo'], env);
  assert.equal(fs.readFileSync(file, 'utf8'), original);

  // No registry on a profile host: nothing written, and what to add.
  const none = await setup('cargo');
  assert.match(none, /no registry in .*config\.toml has its index on a host of profile "default"/);
  assert.match(none, /index = "sparse\+https:\/\/artifacts\.example\.com\/index\/"/);
  assert.equal(fs.existsSync(path.join(home, '.cargo', 'config.toml')), false);
});

test('setup kubectl: an exec user credshare-<profile> written by kubectl, other entries kept, --undo removes it', { timeout: 60_000 }, async (t) => {
  const { env, home, bin, toolEnv, setup } = await rig(t);
  const file = path.join(home, 'kubeconfig');
  const original = [
    'apiVersion: v1', 'kind: Config', 'clusters:', '- name: prod', '  cluster:', '    server: https://k8s.example.com:6443',
    'contexts:', '- name: prod', '  context:', '    cluster: prod', '    user: admin', 'current-context: prod',
    'users:', '- name: admin', '  user:', '    token: not-a-real-token', '',
  ].join('\n');
  fs.writeFileSync(file, original, { mode: 0o600 });
  const view = async () => JSON.parse((await run('kubectl', ['config', 'view', '-o', 'json', '--kubeconfig', file], { env: toolEnv })).stdout);
  const before = await view();
  assert.match(await setup('kubectl', '--kubeconfig', file), /added user credshare-default/);
  t.diagnostic(`kubeconfig after setup kubectl:\n${fs.readFileSync(file, 'utf8')}`);
  const after = await view();
  const user = after.users.find((u: { name: string }) => u.name === 'credshare-default');
  assert.deepEqual(
    { command: user.user.exec.command, args: user.user.exec.args, apiVersion: user.user.exec.apiVersion, interactiveMode: user.user.exec.interactiveMode, provideClusterInfo: user.user.exec.provideClusterInfo },
    { command: `${bin}/credshare`, args: ['helper', '--protocol', 'kubectl', 'get'], apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never', provideClusterInfo: true });
  assert.deepEqual(after.users.filter((u: { name: string }) => u.name !== 'credshare-default'), before.users);
  assert.deepEqual(after.clusters, before.clusters);
  assert.deepEqual(after.contexts, before.contexts);
  const written = fs.readFileSync(file, 'utf8');
  assert.match(await setup('kubectl', '--kubeconfig', file), /already runs credshare; nothing changed/);
  assert.equal(fs.readFileSync(file, 'utf8'), written);
  assert.match(await setup('kubectl', '--kubeconfig', file, '--undo'), /removed user credshare-default/);
  assert.deepEqual(await view(), before);

  // The real kubectl runs the user setup wrote: client-go accepts credshare's ExecCredential
  // and sends its token. kubectl sends credentials only over TLS, so the stand-in for the
  // API server has a throwaway self-signed certificate (the cluster entry skips
  // verification; the tool end-to-end tests check a real CA chain).
  const certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-kube-tls-'));
  t.after(() => fs.rmSync(certDir, { recursive: true, force: true }));
  const openssl = await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '1',
    '-keyout', path.join(certDir, 'key.pem'), '-out', path.join(certDir, 'cert.pem')]);
  assert.equal(openssl.code, 0, openssl.stderr);
  const seen: string[] = [];
  const server = https.createServer({ key: fs.readFileSync(path.join(certDir, 'key.pem')), cert: fs.readFileSync(path.join(certDir, 'cert.pem')) }, (req, res) => {
    // This machine's kubectl is Google Cloud SDK's dispatcher, which first probes /version
    // itself (with the current context's user); only kubectl's own requests count here.
    if (String(req.headers['user-agent']).startsWith('kubectl/')) seen.push(String(req.headers.authorization));
    res.setHeader('content-type', 'application/json');
    res.end('{"major":"1","minor":"32","gitVersion":"v1.32.0"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  await setup('kubectl', '--kubeconfig', file);
  // setup writes provideClusterInfo: true, so the helper answers only for a cluster on a profile host.
  const config = JSON.parse(fs.readFileSync(env.home.paths.config, 'utf8'));
  config.profiles.default.hosts.push(`127.0.0.1:${(server.address() as { port: number }).port}`);
  fs.writeFileSync(env.home.paths.config, JSON.stringify(config, null, 2), { mode: 0o600 });
  const kube = (...args: string[]) => run('kubectl', ['--kubeconfig', file, ...args], { env: toolEnv });
  assert.equal((await kube('config', 'set-cluster', 'local', `--server=https://127.0.0.1:${(server.address() as { port: number }).port}`, '--insecure-skip-tls-verify=true')).code, 0);
  assert.equal((await kube('config', 'set-context', 'local', '--cluster=local', '--user=credshare-default')).code, 0);
  const version = await kube('--context', 'local', 'get', '--raw', '/version');
  assert.equal(version.code, 0, version.stderr);
  assert.deepEqual(seen, [`Bearer ${env.home.readSession()!.accessToken}`]);
  await setup('kubectl', '--kubeconfig', file, '--undo');

  // $KUBECONFIG's first file is the default.
  const first = path.join(home, 'kube-a');
  const result = await runCli(['setup', 'kubectl'], { ...toolEnv, KUBECONFIG: `${first}${path.delimiter}${file}` });
  assert.equal(result.code, 0, result.stderr);
  assert.match(fs.readFileSync(first, 'utf8'), /name: credshare-default/);
});

test('setup: usage errors name the tools; a profile that does not exist is exit 3', async (t) => {
  const { toolEnv } = await rig(t);
  const none = await runCli(['setup'], toolEnv);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /git, docker, bazel, cargo, kubectl/);
  assert.equal((await runCli(['setup', 'svn'], toolEnv)).code, 2);
  assert.equal((await runCli(['setup', 'git', '--bazelrc', 'x'], toolEnv)).code, 2);
  assert.equal((await runCli(['setup', 'git', '--profile', 'nosuch'], toolEnv)).code, 3);
});
