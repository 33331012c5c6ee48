// `credshare doctor`: one pasteable screen, with no secrets in it.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { runCli, spawnTs, waitForLine } from '../support/processes';
import { signedInHome } from '../support/issuer-home';
import { assertNoSecrets } from './login-helpers';

test('doctor shows home, files, profile, issuer, session, lock holder and helpers, and no secrets', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome({ hosts: ['artifacts.example.com', '*.internal.example.com'], timings: { lockStaleMs: 2000 } });
  t.after(() => env.close());
  const before = env.home.readSession()!;
  assert.equal((await runCli(['token', '--min-validity', '999999'], env.home.env)).code, 0, 'one refresh, for the record');
  const session = env.home.readSession()!;

  // Where git and docker are told to ask credshare, doctor says so.
  const gitConfig = path.join(env.home.paths.home, '..', 'gitconfig');
  fs.writeFileSync(gitConfig, '[credential "https://git.example.com"]\n\thelper = !credshare helper --protocol git\n');
  const dockerDir = path.join(env.home.paths.home, '..', 'docker');
  fs.mkdirSync(dockerDir);
  fs.writeFileSync(path.join(dockerDir, 'config.json'), JSON.stringify({ credHelpers: { 'artifacts.example.com': 'credshare', 'other.example.com': 'pass' } }));
  const doctorEnv = { ...env.home.env, GIT_CONFIG_GLOBAL: gitConfig, GIT_CONFIG_NOSYSTEM: '1', DOCKER_CONFIG: dockerDir };
  const doctor = await runCli(['doctor'], doctorEnv);
  t.diagnostic(`\n${doctor.stdout}`);
  assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
  const out = doctor.stdout;
  assert.match(out, /^Home +\/\S+ \(\$CREDSHARE_HOME\) mode 0700$/m);
  assert.match(out, /^credentials +\/\S+credentials\.json mode 0600$/m);
  assert.match(out, /^Profile +default \(default\): client credshare-cli, scopes openid offline_access, tolerance 60s$/m);
  assert.match(out, new RegExp(`^Issuer +${env.issuer.url}: discovery answered in \\d+ ms, issuer matches$`, 'm'));
  assert.match(out, /browser sign-in yes, device sign-in yes, revocation yes, userinfo yes/);
  assert.match(out, /^Session +Alice Example \(alice\); access token valid for \d+m \d+s; can refresh; scope "openid offline_access"$/m);
  assert.match(out, /^Lock +free /m);
  assert.match(out, /^Last refresh +refreshed \d+s ago$/m);
  assert.match(out, /profile default answers for artifacts\.example\.com, \*\.internal\.example\.com/);
  assert.match(out, /^ {2}git +credential\.https:\/\/git\.example\.com\.helper !credshare helper --protocol git$/m);
  assert.match(out, /^ {2}docker +\S+config\.json: credHelpers artifacts\.example\.com -> credshare$/m);
  assert.doesNotMatch(out, /other\.example\.com/);
  assert.match(out, /^Sign-in +`credshare login` would use the device flow here/m);
  assert.match(out, /^No problems found\.$/m);
  assertNoSecrets(out + doctor.stderr, before, session);

  // Who holds the lock, while they hold it and after they died without releasing it.
  const holder = spawnTs('test/support/hold-lock.ts', [env.home.paths.home, '2000', '60000']);
  t.after(() => { holder.kill('SIGKILL'); });
  await waitForLine(holder, /^held$/);
  const held = await runCli(['doctor'], env.home.env);
  assert.match(held.stdout, new RegExp(`^Lock +held by pid ${holder.pid} \\(hold-lock\\.ts\\), running, since \\d+s; touched \\d+s ago$`, 'm'));
  holder.kill('SIGKILL');
  await once(holder, 'exit');
  // proper-lockfile may stamp a fresh lock up to 1 s ahead, so the dead holder's lock turns
  // stale between 2 and 3 s after its last touch: ask until it does, within a generous bound.
  let stale = await runCli(['doctor'], env.home.env);
  for (const deadline = Date.now() + 15_000; !/^Lock +stale:/m.test(stale.stdout) && Date.now() < deadline;) {
    assert.match(stale.stdout, new RegExp(`^Lock +left by pid ${holder.pid} \\(hold-lock\\.ts\\), not running, since \\d+s; stale in \\d+s, then the next refresh takes it over$`, 'm'));
    await new Promise((resolve) => setTimeout(resolve, 250));
    stale = await runCli(['doctor'], env.home.env);
  }
  assert.match(stale.stdout, new RegExp(`^Lock +stale: left by pid ${holder.pid} \\(hold-lock\\.ts\\), not running, since \\d+s, untouched for \\d+s; the next refresh takes it over$`, 'm'));
  assertNoSecrets(held.stdout + stale.stdout, session);
});

test('doctor marks what needs attention and exits 1: readable credentials, unreachable issuer, broken config', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome();
  t.after(() => env.close());
  fs.chmodSync(env.home.paths.credentials, 0o644);
  await env.issuer.stop();
  const doctor = await runCli(['doctor'], env.home.env);
  assert.equal(doctor.code, 1);
  assert.match(doctor.stdout, /^credentials .* mode 0644 +!! is open to other users \(run chmod 600 \S+credentials\.json\)$/m);
  assert.match(doctor.stdout, /^Issuer .*!! Cannot reach http:\/\/127\.0\.0\.1:\d+ \(discovery\) \(ECONNREFUSED\)/m);
  assert.match(doctor.stdout, /^Session +unreadable +!! .*can be read by other users/m);
  assert.match(doctor.stdout, /\d problem\(s\) found, marked "!!"\./);

  fs.writeFileSync(env.home.paths.config, '{ not json');
  const broken = await runCli(['doctor'], env.home.env);
  assert.equal(broken.code, 1);
  assert.match(broken.stdout, /^config\.json .*!! .*config\.json: is not valid JSON/m);
  assert.match(broken.stdout, /^Home +\S+ \(\$CREDSHARE_HOME\) mode 0700$/m, 'the rest is still reported');
});
