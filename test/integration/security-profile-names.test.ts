// Issue 16, finding 3, written as the attack: a profile name with a newline, entering
// through each way a name enters (config.json, `login --profile`, CREDSHARE_PROFILE, the
// VS Code `credshare.profile` setting with a first sign-in that saves it and the terminal
// that window opens), then `credshare setup bazel`, whose marker comments name the
// profile. credshare 0.1 wrote the name's second line into ~/.bazelrc as a line of its
// own: `startup --host_jvm_args=-javaagent:...` runs code in every Bazel workspace. Every
// line setup writes must stay a marker comment or a credential_helper line, and each entry
// point must refuse the name saying what is allowed, changing nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fakeLog, fakeVscode, installFakeVscode } from '../support/fake-vscode';
import { fault } from '../support/fault-report';
import { makeBinDir } from '../support/bins';
import { runCli, startCli, type Finished } from '../support/processes';
import { EmbeddedIssuer, authorizeInBrowser } from '../../src/issuer/embedded-issuer';
import { authorizationUrlOf } from './login-helpers';

installFakeVscode();

const file = __filename;
const INJECTED = 'startup --host_jvm_args=-javaagent:/tmp/evil.jar';
const BAD = `team\n${INJECTED}\n#`;
const ALLOWED = /letters, digits, "\.", "_", "-", "@" and "\+"/;

interface Scene { issuer: EmbeddedIssuer; credshareHome: string; userHome: string; bazelrc: string; env: NodeJS.ProcessEnv }

/** A fresh home and ~/.bazelrc per entry point, so that one entry's outcome cannot hide another's. */
function scene(t: { after(fn: () => unknown): void }, issuer: EmbeddedIssuer): Scene {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-names-'));
  const bin = makeBinDir();
  t.after(() => { fs.rmSync(dir, { recursive: true, force: true }); fs.rmSync(bin, { recursive: true, force: true }); });
  const credshareHome = path.join(dir, 'credshare');
  const userHome = path.join(dir, 'home');
  fs.mkdirSync(userHome);
  const bazelrc = path.join(userHome, '.bazelrc');
  fs.writeFileSync(bazelrc, 'common --announce_rc\n');
  const env = { ...process.env, CREDSHARE_HOME: credshareHome, CREDSHARE_PROFILE: '', HOME: userHome, BROWSER: '', PATH: `${bin}${path.delimiter}${process.env.PATH}` };
  return { issuer, credshareHome, userHome, bazelrc, env };
}

/** A browser sign-in as the user would do it; returns when the CLI exits (at once, if it refused). */
async function login(scene: Scene, args: string[], env = scene.env): Promise<Finished> {
  const cli = startCli(['login', '--browser', '--no-open', '--issuer', scene.issuer.url, '--client-id', scene.issuer.clientId, '--host', 'artifacts.example.com', ...args], env);
  const url = await authorizationUrlOf(cli).catch(() => undefined);
  if (url) await fetch(await authorizeInBrowser(url.href, 'alice'));
  return cli.done;
}

/** Lines of the bazelrc that are neither the user's own, nor a comment, nor a credential_helper line. */
function injectedLines(bazelrc: string): string[] {
  return fs.readFileSync(bazelrc, 'utf8').split('\n')
    .filter((line) => line !== '' && line !== 'common --announce_rc' && !line.startsWith('#') && !/^common --credential_helper=/.test(line));
}

const meta = (id: string, entry: string, expected: string) => ({
  id: `security/profile-name-${id}`, area: 'security' as const, file,
  fault: `a profile name with a newline and a Bazel startup line, through ${entry}, then \`credshare setup bazel\``,
  expected,
});

function checkBazelrc(s: Scene, tally: { dataLost: number }): void {
  const injected = injectedLines(s.bazelrc);
  tally.dataLost += injected.length;
  assert.deepEqual(injected, [], `lines injected into ${s.bazelrc}`);
}

test('a newline in a profile name cannot inject lines into ~/.bazelrc, through any entry point', { timeout: 180_000 }, async (top) => {
  const issuer = await EmbeddedIssuer.start();
  top.after(() => issuer.stop());

  await top.test('login --profile', async (t) => {
    const s = scene(t, issuer);
    const bazelrcBefore = fs.readFileSync(s.bazelrc, 'utf8');
    await fault(meta('login', '`credshare login --profile`', 'login exits 2 saying what a name may hold, before any request; nothing saved; setup --profile exits 2; ~/.bazelrc unchanged'), async (tally) => {
      const signIn = await login(s, ['--profile', BAD]);
      const setup = await runCli(['setup', 'bazel', '--profile', BAD], s.env);
      tally.calls(signIn, setup);
      checkBazelrc(s, tally);
      assert.equal(signIn.code, 2, signIn.stderr);
      assert.match(signIn.stderr, /--profile names the profile "team\\nstartup --host_jvm_args=-javaagent:\/tmp\/evil\.jar\\n#", which is not allowed/);
      assert.match(signIn.stderr, ALLOWED);
      assert.equal(fs.existsSync(path.join(s.credshareHome, 'config.json')), false, 'nothing saved');
      assert.equal(s.issuer.stats().otherTokenRequests, 0);
      assert.equal(setup.code, 2, setup.stderr);
      assert.equal(fs.readFileSync(s.bazelrc, 'utf8'), bazelrcBefore);
    });
  });

  await top.test('CREDSHARE_PROFILE', async (t) => {
    const s = scene(t, issuer);
    await fault(meta('environment', 'CREDSHARE_PROFILE', 'login and setup exit 1 naming $CREDSHARE_PROFILE and the rule; nothing saved; ~/.bazelrc unchanged'), async (tally) => {
      const env = { ...s.env, CREDSHARE_PROFILE: BAD };
      const signIn = await login(s, [], env);
      const setup = await runCli(['setup', 'bazel'], env);
      tally.calls(signIn, setup);
      checkBazelrc(s, tally);
      for (const result of [signIn, setup]) {
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, /\$CREDSHARE_PROFILE names the profile "team\\nstartup.*", which is not allowed/);
        assert.match(result.stderr, ALLOWED);
      }
      assert.equal(fs.existsSync(path.join(s.credshareHome, 'config.json')), false, 'nothing saved');
    });
  });

  await top.test('the VS Code setting', async (t) => {
    const s = scene(t, issuer);
    await fault(meta('vscode-setting', 'the VS Code "credshare.profile" setting: a first sign-in in the window, then setup in its terminal', 'the window refuses the sign-in naming the setting, before the browser opens; nothing saved; the terminal\'s setup exits 1; ~/.bazelrc unchanged'), async (tally) => {
      const { CredentialBackend } = await import('../../src/extension/backend');
      const { SignInFlow } = await import('../../src/extension/sign-in');
      const { RecentSignIns } = await import('../../src/extension/join-recent');
      const saved = { home: process.env.CREDSHARE_HOME, profile: process.env.CREDSHARE_PROFILE };
      process.env.CREDSHARE_HOME = s.credshareHome;
      delete process.env.CREDSHARE_PROFILE;
      t.after(() => {
        if (saved.home === undefined) delete process.env.CREDSHARE_HOME; else process.env.CREDSHARE_HOME = saved.home;
        if (saved.profile === undefined) delete process.env.CREDSHARE_PROFILE; else process.env.CREDSHARE_PROFILE = saved.profile;
      });
      let opened = 0;
      fakeVscode.browser = async (url) => { opened++; void authorizeInBrowser(url, 'alice').then((redirect) => fetch(redirect)).catch(() => undefined); };
      // A workspace the user trusts sets "credshare.profile"; the issuer and client are the user's own settings.
      const settings = {
        store: 'shared', profile: BAD, issuer: s.issuer.url, clientId: s.issuer.clientId, signInFlow: 'browser', terminalEnabled: true,
        onDidChange: () => ({ dispose: () => {} }),
      };
      const context = { secrets: { get: async () => undefined, store: async () => {}, delete: async () => {}, onDidChange: () => ({ dispose: () => {} }) }, globalStorageUri: { fsPath: path.join(s.userHome, 'global-storage') } };
      const log = fakeLog();
      const backend = new CredentialBackend(context as never, settings as never, log as never);
      t.after(() => backend.dispose());
      tally.tries++;
      const signIn = await new SignInFlow(backend, settings as never, new RecentSignIns(), log as never).run([]).then(() => undefined, (error: Error) => error);
      // The window's terminals get CREDSHARE_PROFILE from the setting (terminal-env.ts): there the
      // user adds the profile's hosts (a first sign-in in a window saves none), then sets up Bazel.
      const terminal = { ...s.env, CREDSHARE_PROFILE: BAD };
      const hosts = await login(s, [], terminal);
      const setup = await runCli(['setup', 'bazel'], terminal);
      tally.calls(hosts, setup);
      checkBazelrc(s, tally);
      assert.ok(signIn, 'the sign-in was refused');
      assert.match(signIn.message, /"credshare\.profile" setting .*names the profile "team\\nstartup.*", which is not allowed/);
      assert.match(signIn.message, ALLOWED);
      assert.equal(opened, 0, 'refused before the browser opened');
      assert.equal(fs.existsSync(path.join(s.credshareHome, 'config.json')), false, 'nothing saved');
      await assert.rejects(backend.getSession(), /"credshare\.profile" setting/);
      assert.equal(hosts.code, 1, hosts.stderr);
      assert.equal(setup.code, 1, setup.stderr);
    });
  });

  await top.test('config.json', async (t) => {
    const s = scene(t, issuer);
    await fault(meta('config-json', 'config.json (a profile key and defaultProfile, written by hand or by an older credshare)', 'setup and login exit 1 naming config.json and the name; config.json byte for byte as it was; ~/.bazelrc unchanged'), async (tally) => {
      fs.mkdirSync(s.credshareHome, { recursive: true, mode: 0o700 });
      const configFile = path.join(s.credshareHome, 'config.json');
      const text = JSON.stringify({ defaultProfile: BAD, profiles: { [BAD]: { issuer: s.issuer.url, clientId: s.issuer.clientId, hosts: ['artifacts.example.com'] } } }, null, 2);
      fs.writeFileSync(configFile, text, { mode: 0o600 });
      const setup = await runCli(['setup', 'bazel'], s.env);
      const signIn = await login(s, []);
      tally.calls(setup, signIn);
      checkBazelrc(s, tally);
      for (const result of [setup, signIn]) {
        assert.equal(result.code, 1, result.stderr);
        assert.ok(result.stderr.includes(configFile), result.stderr);
        assert.match(result.stderr, /a key of "profiles" names the profile "team\\nstartup.*", which is not allowed/);
      }
      assert.equal(fs.readFileSync(configFile, 'utf8'), text, 'config.json unchanged');
      const doctor = await runCli(['doctor'], s.env);
      assert.match(doctor.stdout, /a key of "profiles" names the profile/, 'doctor reports it');
    });
  });
});

test('profile names: the rule, and the account-label sanitiser the extension can use', async () => {
  const { isValidProfileName, profileNameFrom } = await import('../../src/core/profile-name');
  for (const name of ['default', 'work', 'alice@example.com', 'team.prod_2', 'a+b', 'x'.repeat(64)]) assert.ok(isValidProfileName(name), name);
  for (const name of ['', '-x', '.x', 'a b', 'a\nb', 'a\tb', 'a"b', "a'b", 'a/b', 'a\\b', 'a;b', 'a$b', 'é', 'x'.repeat(65)]) assert.ok(!isValidProfileName(name), JSON.stringify(name));
  assert.equal(profileNameFrom('Alice Example <alice@example.com>'), 'Alice-Example-alice@example.com');
  assert.equal(profileNameFrom('José Müller'), 'Jose-Muller');
  assert.equal(profileNameFrom(`evil\n${INJECTED}`), 'evil-startup-host_jvm_args-javaagent-tmp-evil.jar');
  assert.equal(profileNameFrom('---'), 'account');
  assert.ok(isValidProfileName(profileNameFrom('y'.repeat(100))));
});
