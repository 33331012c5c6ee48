// The agent answers with exactly the CLI's semantics (issue 18): the same requests through
// `credshare agent` (over its socket, as the native client sends them) and through
// `node dist/cli.js` give the same exit code, stdout and stderr, byte for byte; requests
// running at once never mix their streams or environments; requests share one refresh
// with each other and with CLI processes; a change another process makes is seen at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { PassThrough } from 'node:stream';
import { callAgent, forwardedEnv } from '../../src/agent/client';
import { clientCall, installedBuildId, type ClientRun } from '../support/agent-client';
import { agentRig, timeless } from '../support/agent-rig';
import { signedInHome, signedInHomeWithIssuerProcess } from '../support/issuer-home';
import { sessionFixture } from '../support/home';
import { runCli } from '../support/processes';

const HOST = 'artifacts.example.com';
const git = (host: string) => `protocol=https\nhost=${host}\npath=repo.git\n\n`;
const cargoGet = (host: string) => JSON.stringify({ v: 1, registry: { 'index-url': `sparse+https://${host}/index/`, name: 'corp' }, kind: 'get', operation: 'read', args: ['helper', '--protocol', 'cargo'] }) + '\n';
const execInfo = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', spec: { interactive: false } });

/** Each case: argv, standard input, extra environment. */
const CASES: [string, string[], string?, Record<string, string>?][] = [
  ['token', ['token']],
  ['token --json', ['token', '--json']],
  ['token --min-validity', ['token', '--min-validity', '30']],
  ['token of an unknown profile (exit 3)', ['token', '--profile', 'nope']],
  ['token with $CREDSHARE_PROFILE unknown', ['token'], undefined, { CREDSHARE_PROFILE: 'nope' }],
  ['token with a bad flag (exit 2)', ['token', '--bogus']],
  ['token --help', ['token', '--help']],
  ['helper --help', ['helper', '--help']],
  ['git get', ['helper', '--protocol', 'git', 'get'], git(HOST)],
  ['git get, another host', ['helper', '--protocol', 'git', 'get'], git('elsewhere.example.com')],
  ['git get, smuggled host', ['helper', '--protocol', 'git', 'get'], git(`evil.example@${HOST}`)],
  ['git store', ['helper', '--protocol', 'git', 'store'], git(HOST)],
  ['bazel get', ['helper', '--protocol', 'bazel', 'get'], JSON.stringify({ uri: `https://${HOST}/file.tar.gz` })],
  ['bazel get, bad JSON', ['helper', '--protocol', 'bazel', 'get'], '{"uri":'],
  ['docker get', ['helper', '--protocol', 'docker', 'get'], HOST],
  ['docker get, another host (exit 1)', ['helper', '--protocol', 'docker', 'get'], 'elsewhere.example.com'],
  ['docker list', ['helper', '--protocol', 'docker', 'list']],
  ['kubectl get', ['helper', '--protocol', 'kubectl', 'get'], undefined, { KUBERNETES_EXEC_INFO: execInfo }],
  ['kubectl get, bad exec info', ['helper', '--protocol', 'kubectl', 'get'], undefined, { KUBERNETES_EXEC_INFO: '{' }],
  ['cargo provider', ['--cargo-plugin'], cargoGet(HOST) + cargoGet('elsewhere.example.com')],
  ['helper --protocol cargo', ['helper', '--protocol', 'cargo'], cargoGet(HOST)],
  ['helper, unknown protocol (exit 2)', ['helper', '--protocol', 'nope', 'get']],
  ['helper, input over the limit (exit 2)', ['helper', '--protocol', 'git', 'get'], 'x'.repeat(70_000)],
  ['agent, unknown subcommand (exit 2)', ['agent', 'status', '--bogus']],
];

function assertSame(label: string, viaAgent: ClientRun, viaNode: { code: number | null; stdout: string; stderr: string }): void {
  assert.equal(viaAgent.via, 'agent', `${label}: answered by the agent (${viaAgent.fallback ?? ''})`);
  assert.equal(viaAgent.code, viaNode.code, `${label}: exit code`);
  assert.equal(timeless(viaAgent.stdout), timeless(viaNode.stdout), `${label}: stdout`);
  assert.equal(viaAgent.stderr, viaNode.stderr, `${label}: stderr`);
}

test('through the agent and through node dist/cli.js: the same exit code, stdout and stderr for every token and helper request', { timeout: 120_000 }, async (t) => {
  const env = await signedInHome({ hosts: [HOST] });
  const rig = agentRig(env.home.env);
  t.after(async () => { rig.close(); await env.close(); });
  await rig.start();
  for (const [label, argv, input, extra] of CASES) {
    const callEnv = { ...rig.env, ...extra };
    const [viaAgent, viaNode] = [await clientCall(argv, { env: callEnv, input, startAgent: false }), await runCli(argv, callEnv, input)];
    assertSame(label, viaAgent, viaNode);
  }
  // A refresh through the agent: the same token as the CLI then reads, one request at the issuer.
  env.expire();
  env.issuer.resetStats();
  const refreshed = await clientCall(['token'], { env: rig.env, startAgent: false });
  assertSame('token after expiry', refreshed, await runCli(['token'], rig.env));
  assert.equal(env.issuer.stats().refreshRequests, 1);
  assert.equal(refreshed.stdout.trim(), env.home.readSession()!.accessToken);
  // config.json that cannot be read: the CLI's message, from the agent too.
  const config = fs.readFileSync(env.home.paths.config, 'utf8');
  fs.writeFileSync(env.home.paths.config, '{ not json');
  assertSame('bad config.json', await clientCall(['token'], { env: rig.env, startAgent: false }), await runCli(['token'], rig.env));
  fs.writeFileSync(env.home.paths.config, config);
  // credentials.json readable by others: refused, by the agent as by the CLI.
  fs.chmodSync(env.home.paths.credentials, 0o644);
  assertSame('credentials.json mode 0644', await clientCall(['token'], { env: rig.env, startAgent: false }), await runCli(['token'], rig.env));
  fs.chmodSync(env.home.paths.credentials, 0o600);
  // Signed out by another process: exit 3 at once, as the CLI.
  assert.equal((await runCli(['logout', '--no-revoke'], rig.env)).code, 0);
  assertSame('signed out', await clientCall(['token'], { env: rig.env, startAgent: false }), await runCli(['token'], rig.env));
});

test('requests at once through one agent never mix their streams, input or environment', { timeout: 120_000 }, async (t) => {
  const env = await signedInHome({ hosts: [HOST] });
  const rig = agentRig(env.home.env);
  t.after(async () => { rig.close(); await env.close(); });
  // A second profile with a token of its own, for another host.
  const config = JSON.parse(fs.readFileSync(env.home.paths.config, 'utf8'));
  config.profiles.other = { ...config.profiles.default, hosts: ['other.example.com'] };
  fs.writeFileSync(env.home.paths.config, JSON.stringify(config));
  env.home.writeSession(sessionFixture({ accessToken: 'at-other', expiresAt: Date.now() + 3_600_000 }), 'other');
  const mine = env.home.readSession()!.accessToken;
  await rig.start();
  const calls = Array.from({ length: 60 }, (_, i) => {
    const other = i % 2 === 1;
    const expected = other ? 'at-other' : mine;
    const host = other ? 'other.example.com' : HOST;
    switch (i % 3) {
      case 0: return clientCall(['token'], { env: { ...rig.env, CREDSHARE_PROFILE: other ? 'other' : 'default' }, startAgent: false }).then((r) => [r, expected, r.stdout.trim()] as const);
      case 1: return clientCall(['helper', '--protocol', 'git', 'get'], { env: rig.env, input: git(host), startAgent: false }).then((r) => [r, expected, /password=(.*)/.exec(r.stdout)?.[1]] as const);
      default: return clientCall(['helper', '--protocol', 'bazel', 'get'], { env: rig.env, input: JSON.stringify({ uri: `https://${host}/x` }), startAgent: false })
        .then((r) => [r, expected, JSON.parse(r.stdout).headers.Authorization[0].replace('Bearer ', '')] as const);
    }
  });
  for (const [result, expected, got] of await Promise.all(calls)) {
    assert.equal(result.via, 'agent');
    assert.equal(result.stderr, '');
    assert.equal(got, expected);
  }
  // A cargo conversation, line by line while other requests run: its stdin is its own.
  const input = new PassThrough();
  const answers: string[] = [];
  let wake: () => void = () => {};
  const conversation = callAgent(rig.paths.socket, {
    argv: ['--cargo-plugin'], env: forwardedEnv(rig.env), cwd: process.cwd(), build: installedBuildId(), stdin: input,
    onStdout: (bytes) => { answers.push(...bytes.toString('utf8').split('\n').filter(Boolean)); wake(); },
  });
  const nextAnswer = async (count: number): Promise<void> => { while (answers.length < count) await new Promise<void>((resolve) => { wake = resolve; }); };
  await nextAnswer(1);
  assert.equal(answers[0], '{"v":[1]}');
  input.write(cargoGet('other.example.com'));
  await Promise.all([nextAnswer(2), clientCall(['token'], { env: rig.env, startAgent: false })]);
  assert.match(answers[1]!, /"token":"Bearer at-other"/);
  input.write(cargoGet(HOST));
  await nextAnswer(3);
  assert.match(answers[2]!, new RegExp(`"token":"Bearer ${mine}"`));
  input.end();
  const ended = await conversation;
  assert.equal(ended.kind, 'exit');
  assert.equal(ended.kind === 'exit' && ended.code, 0);
});

test('requests through the agent and CLI processes racing on an expired token: one refresh at the issuer, one token for all', { timeout: 120_000 }, async (t) => {
  // The issuer in a process of its own: this one is busy with the clients.
  const env = await signedInHomeWithIssuerProcess({ hosts: [HOST] });
  const rig = agentRig(env.home.env);
  t.after(async () => { rig.close(); await env.close(); });
  await rig.start();
  env.expire();
  await env.issuer.resetStats();
  const results = await Promise.all([
    ...Array.from({ length: 40 }, () => clientCall(['token'], { env: rig.env, startAgent: false })),
    ...Array.from({ length: 6 }, () => runCli(['token'], rig.env)),
  ]);
  assert.deepEqual(results.filter((r) => r.code !== 0).map((r) => r.stderr), []);
  assert.equal(new Set(results.map((r) => r.stdout)).size, 1, 'one token for everyone');
  const stats = await env.issuer.stats();
  assert.equal(stats.refreshRequests, 1, 'exactly one refresh request');
  assert.equal(stats.reuseDetections, 0);
  assert.equal(await env.issuer.isRefreshTokenUsable(env.home.readSession()!.refreshToken), true);
});

test('a refresh or a sign-in by another process is what the agent answers next, at once', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome({ hosts: [HOST] });
  const rig = agentRig(env.home.env);
  t.after(async () => { rig.close(); await env.close(); });
  await rig.start();
  const first = await clientCall(['token'], { env: rig.env, startAgent: false });
  assert.equal(first.via, 'agent');
  // A CLI process refreshes an expired token: the agent's next answer is the new token, not its cached one.
  // (--min-validity beyond the token's lifetime no longer forces a refresh: the margin is capped by half of it.)
  env.home.writeSession({ ...env.home.readSession()!, expiresAt: Date.now() - 1000 });
  const forced = await runCli(['token'], rig.env);
  assert.notEqual(forced.stdout, first.stdout);
  assert.equal((await clientCall(['token'], { env: rig.env, startAgent: false })).stdout, env.home.readSession()!.accessToken + '\n');
  // A new session written over the file (a sign-in elsewhere).
  const signedIn = await env.signIn();
  assert.equal((await clientCall(['token'], { env: rig.env, startAgent: false })).stdout, signedIn.accessToken + '\n');
});
