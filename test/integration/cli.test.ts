import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/processes';
import { signedInHome } from '../support/issuer-home';

const bazel = (uri: string) => JSON.stringify({ uri });

test('credential helpers answer for the profile\'s hosts only', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome({ hosts: ['artifacts.example.com', '*.internal.example.com'] });
  t.after(() => env.close());
  const token = env.home.readSession()!.accessToken;

  const ok = await runCli(['helper', '--protocol', 'bazel', 'get'], env.home.env, bazel('https://artifacts.example.com/a/b.tar.gz'));
  assert.equal(ok.code, 0, ok.stderr);
  const answer = JSON.parse(ok.stdout);
  assert.deepEqual(answer.headers, { Authorization: [`Bearer ${token}`] });
  // Whole seconds, rounded down: Bazel's parser rejects a fraction (test/integration/bazel.test.ts runs it).
  assert.match(answer.expires, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(new Date(answer.expires).getTime(), Math.floor(env.home.readSession()!.expiresAt / 1000) * 1000);
  assert.equal(JSON.parse((await runCli(['helper', '--protocol', 'bazel', 'get'], env.home.env, bazel('https://x.internal.example.com/f'))).stdout).headers.Authorization[0], `Bearer ${token}`);

  for (const uri of ['https://evil.example.com/x', 'http://artifacts.example.com/x', 'file:///etc/passwd', 'https://artifacts.example.com.evil.test/', 'https://internal.example.com/']) {
    const none = await runCli(['helper', '--protocol', 'bazel', 'get'], env.home.env, bazel(uri));
    assert.equal(none.code, 0, none.stderr);
    assert.deepEqual(JSON.parse(none.stdout), { headers: {} }, uri);
  }

  const git = await runCli(['helper', '--protocol', 'git', 'get'], env.home.env, 'protocol=https\nhost=artifacts.example.com\npath=repo.git\n\n');
  assert.equal(git.code, 0, git.stderr);
  assert.match(git.stdout, new RegExp(`^username=oauth2\npassword=${token}\npassword_expiry_utc=\\d+\n$`));
  const gitNone = await runCli(['helper', '--protocol', 'git', 'get'], env.home.env, 'protocol=https\nhost=github.com\n\n');
  assert.equal(gitNone.stdout, '');

  const docker = await runCli(['helper', '--protocol', 'docker', 'get'], env.home.env, 'artifacts.example.com');
  assert.equal(docker.code, 0, docker.stderr);
  assert.deepEqual(JSON.parse(docker.stdout), { ServerURL: 'artifacts.example.com', Username: 'oauth2', Secret: token });
  const dockerNone = await runCli(['helper', '--protocol', 'docker', 'get'], env.home.env, 'registry.other.test');
  assert.equal(dockerNone.code, 1);
  assert.equal(dockerNone.stdout.trim(), 'credentials not found in native keychain');
  assert.equal((await runCli(['helper', '--protocol', 'docker', 'store'], env.home.env, '{"ServerURL":"x","Username":"u","Secret":"s"}')).code, 0);
});

test('helpers refuse malformed and oversized input with a usage error', async (t) => {
  const env = await signedInHome();
  t.after(() => env.close());
  const malformed = await runCli(['helper', '--protocol', 'bazel', 'get'], env.home.env, '{not json');
  assert.equal(malformed.code, 2);
  assert.match(malformed.stderr, /not JSON/);
  const badGit = await runCli(['helper', '--protocol', 'git', 'get'], env.home.env, 'this line has no equals sign\n');
  assert.equal(badGit.code, 2);
  const huge = await runCli(['helper', '--protocol', 'bazel', 'get'], env.home.env, bazel('https://artifacts.example.com/' + 'a'.repeat(200_000)));
  assert.equal(huge.code, 2);
  assert.match(huge.stderr, /larger than/);
  const badProtocol = await runCli(['helper', '--protocol', 'svn', 'get'], env.home.env);
  assert.equal(badProtocol.code, 2);
});

test('token, status and logout follow the exit-code contract and never print a token where they should not', async (t) => {
  const env = await signedInHome();
  t.after(() => env.close());
  const session = env.home.readSession()!;
  const json = await runCli(['token', '--json'], env.home.env);
  assert.equal(json.code, 0);
  assert.equal(JSON.parse(json.stdout).accessToken, session.accessToken);
  // 100 s left of a 300 s token: fresh for the profile's 60 s, not for --min-validity 120.
  env.home.writeSession({ ...session, expiresAt: Date.now() + 100_000 });
  assert.equal((await runCli(['token'], env.home.env)).stdout.trim(), session.accessToken);
  const refreshed = await runCli(['token', '--min-validity', '120'], env.home.env);
  assert.equal(refreshed.code, 0, refreshed.stderr);
  assert.notEqual(refreshed.stdout.trim(), session.accessToken, '--min-validity more than is left forces a refresh');
  assert.equal(env.issuer.stats().refreshRequests, 1);
  // Beyond the lifetime: capped by half of it (150 s), so the new token serves as it is.
  const capped = await runCli(['token', '--min-validity', '999999'], env.home.env);
  assert.equal(capped.stdout.trim(), refreshed.stdout.trim(), 'asking more than the issuer grants does not refresh a token that was just issued');
  assert.equal(env.issuer.stats().refreshRequests, 1);

  const status = await runCli(['status'], env.home.env);
  assert.equal(status.code, 0);
  assert.match(status.stdout, /Alice Example/);
  const now = env.home.readSession()!;
  for (const secret of [now.accessToken, now.refreshToken]) assert.ok(!status.stdout.includes(secret), 'status prints no secret');

  assert.equal((await runCli(['logout'], env.home.env)).code, 0);
  assert.equal((await runCli(['status'], env.home.env)).code, 3);
  const signedOut = await runCli(['token'], env.home.env);
  assert.equal(signedOut.code, 3);
  assert.match(signedOut.stderr, /credshare login/);
  assert.equal((await runCli(['token', '--min-validity', 'soon'], env.home.env)).code, 2);
  assert.equal((await runCli(['frobnicate'], env.home.env)).code, 2);
});
