// Fault suite, fast part: what build tools feed the credential helpers (docs/faults.md).
// Extends test/integration/cli.test.ts (which covers a bazel JSON error, a git line
// without "=", a 200 KB bazel request, an unknown protocol, and evil.example.com,
// http://, file:///etc/passwd, suffix tricks per protocol) without repeating it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fault, type Tally } from '../support/fault-report';
import { runCli, type Finished } from '../support/processes';
import { signedInHome, type SignedInHome } from '../support/issuer-home';
import { secretsOf, sessionAlive } from '../support/fault-env';

const file = __filename;

async function helper(env: SignedInHome, protocol: string, input: string, tally: Tally, operation = 'get'): Promise<Finished> {
  const result = await runCli(['helper', '--protocol', protocol, operation], env.home.env, input);
  tally.calls(result);
  return result;
}

function assertNoToken(result: Finished, secrets: string[]): void {
  for (const secret of secrets) {
    assert.ok(!result.stdout.includes(secret), `no token on stdout for ${result.stdout}`);
    assert.ok(!result.stderr.includes(secret), 'no token on stderr');
  }
}

test('helper input: oversized and malformed requests in every protocol are usage errors (exit 2) that hand out nothing', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome({ hosts: ['artifacts.example.com'] });
  t.after(() => env.close());
  await fault({ id: 'helper/malformed-and-oversized', area: 'helper input', fault: 'oversized stdin (git, docker), malformed JSON shapes (bazel), malformed key=value (git), binary input, a backslash in a URL (bazel)', expected: 'exit 2 with a usage message, no token, no refresh', file }, async (tally) => {
    const secrets = secretsOf(env.home.readSession());
    env.expire(); // even a stale token must not make a malformed request refresh
    const cases: [string, string, RegExp][] = [
      ['git', `protocol=https\nhost=artifacts.example.com\npath=${'a'.repeat(100_000)}\n\n`, /larger than/],
      ['docker', `artifacts.example.com${' '.repeat(100_000)}`, /larger than/],
      ['bazel', '{"uri": 5}', /no "uri" string/],
      ['bazel', 'null', /no "uri" string/],
      ['bazel', '["https://artifacts.example.com/x"]', /no "uri" string/],
      ['bazel', '', /not JSON/],
      ['git', '=https\n', /malformed line/],
      ['git', '\u0000\u0001\u0002binary\n', /malformed line/],
      // A backslash reads as "/" to the URL parser and as part of the user name to others (issue 16.7).
      ['bazel', JSON.stringify({ uri: 'https://evil.test\\@artifacts.example.com/x' }), /holds a backslash or a control character/],
    ];
    const results = await Promise.all(cases.map(([protocol, input]) => helper(env, protocol, input, tally)));
    for (const [i, [protocol, input, says]] of cases.entries()) {
      const result = results[i]!;
      assert.equal(result.code, 2, `${protocol} ${JSON.stringify(input.slice(0, 40))}: ${result.stderr}`);
      assert.match(result.stderr, says);
      assert.ok(result.stderr.length < 500, 'the message does not echo the whole input');
      assertNoToken(result, secrets);
    }
    assert.equal(env.issuer.stats().refreshRequests, 0);
    if (!(await sessionAlive(env))) tally.sessionsLost++;
  });
});

test('helper input: URLs outside the profile\'s hosts and non-HTTPS schemes get no credentials and cause no refresh', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome({ hosts: ['artifacts.example.com'] });
  t.after(() => env.close());
  await fault({ id: 'helper/foreign-hosts-and-schemes', area: 'helper input', fault: 'userinfo tricks, trailing dot, other ports of other hosts, ssh:, ftp:, file: with the host, data:, git protocol=file/ssh, docker URL forms', expected: 'no credentials (bazel {"headers":{}}, git empty, docker "not found"); no refresh even with the token expired', file }, async (tally) => {
    const secrets = secretsOf(env.home.readSession());
    env.expire();
    const bazelUris = [
      'https://artifacts.example.com@evil.test/x',
      'https://artifacts.example.com.:443/x',
      'https://evil.test:443/artifacts.example.com',
      'ssh://artifacts.example.com/repo',
      'ftp://artifacts.example.com/x',
      'file://artifacts.example.com/etc/passwd',
      'data:text/plain,artifacts.example.com',
      'http://artifacts.example.com:80/x',
      'https://[::1]/x',
    ];
    const answers = await Promise.all(bazelUris.map((uri) => helper(env, 'bazel', JSON.stringify({ uri }), tally)));
    for (const [i, uri] of bazelUris.entries()) {
      const result = answers[i]!;
      assert.equal(result.code, 0, `${uri}: ${result.stderr}`);
      assert.deepEqual(JSON.parse(result.stdout), { headers: {} }, uri);
      assertNoToken(result, secrets);
    }
    const gitInputs = ['protocol=file\nhost=artifacts.example.com\npath=x\n\n', 'protocol=ssh\nhost=artifacts.example.com\n\n', 'url=https://artifacts.example.com@evil.test/x\n\n', 'protocol=https\n\n'];
    const gitAnswers = await Promise.all(gitInputs.map((input) => helper(env, 'git', input, tally)));
    for (const [i, input] of gitInputs.entries()) {
      const result = gitAnswers[i]!;
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, '', JSON.stringify(input));
    }
    const dockerInputs = ['evil.test', 'https://artifacts.example.com@evil.test', '', '   '];
    const dockerAnswers = await Promise.all(dockerInputs.map((input) => helper(env, 'docker', input, tally)));
    for (const [i, input] of dockerInputs.entries()) {
      const result = dockerAnswers[i]!;
      assert.equal(result.stdout.trim(), 'credentials not found in native keychain', JSON.stringify(input));
      assertNoToken(result, secrets);
    }
    assert.equal(env.issuer.stats().refreshRequests, 0, 'a request for another host never refreshes');
    if (!(await sessionAlive(env))) tally.sessionsLost++;
  });
});
