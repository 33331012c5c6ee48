// Bazel's side of the credential-helper protocol: the answer must parse with Bazel's own
// rule for "expires" (run in real Java, test/support/bazel/BazelExpires.java), and
// Bazel's gRPC endpoints (remote cache, execution, BES) get the token like HTTPS ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { run, runCli, repoRoot } from '../support/processes';
import { signedInHome } from '../support/issuer-home';
import { nativeDir, requireNativeClient, runtimeDir, stopAgent, waitForAgent } from '../support/native';

const javaCheck = path.join(repoRoot, 'test', 'support', 'bazel', 'BazelExpires.java');
const bazelGet = (env: NodeJS.ProcessEnv, uri: string) => runCli(['helper', '--protocol', 'bazel', 'get'], env, JSON.stringify({ uri }));

async function parseLikeBazel(...values: string[]): Promise<string[]> {
  const result = await run('java', [javaCheck, ...values]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim().split('\n');
}

test('Bazel\'s own parser accepts the "expires" credshare prints, and it is the token\'s expiry', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome({ hosts: ['artifacts.example.com'] });
  t.after(() => env.close());
  const answer = await bazelGet(env.home.env, 'https://artifacts.example.com/a.tar.gz');
  assert.equal(answer.code, 0, answer.stderr);
  const { expires } = JSON.parse(answer.stdout) as { expires: string };
  const expiresAt = env.home.readSession()!.expiresAt;
  // The millisecond form credshare used to print, as a control: Bazel's rule must refuse it.
  const [ours, old] = await parseLikeBazel(expires, new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, '.341Z'));
  assert.equal(ours, `ok ${Math.floor(expiresAt / 1000)}`);
  assert.match(old!, /^error .*could not be parsed/);
});

test('grpcs:// (and grpc:// on loopback) get the token for the profile\'s hosts; other ports and hosts do not', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome({ hosts: ['remote.example.com', 'cache.example.com:8980', 'localhost:9092'] });
  t.after(() => env.close());
  const bearer = `Bearer ${env.home.readSession()!.accessToken}`;
  const answers = {
    'grpcs://remote.example.com': true,
    'grpcs://remote.example.com:443': true,
    'grpcs://REMOTE.example.com/build.bazel.remote.execution.v2.Execution': true,
    'grpcs://cache.example.com:8980': true,
    'grpc://localhost:9092': true,
    'grpcs://remote.example.com:8443': false,
    'grpcs://cache.example.com': false,
    'grpc://remote.example.com': false,
    'grpc://localhost:9093': false,
    'grpcs://evil.example.com': false,
    'grpcs://remote.example.com.evil.test': false,
  };
  for (const [uri, expected] of Object.entries(answers)) {
    const result = await bazelGet(env.home.env, uri);
    assert.equal(result.code, 0, result.stderr);
    const headers = (JSON.parse(result.stdout) as { headers: Record<string, string[]> }).headers;
    assert.deepEqual(headers, expected ? { Authorization: [bearer] } : {}, uri);
  }
});

test('a host entry without a port is its default port only: loopback HTTP on any other port gets nothing', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome({ hosts: ['localhost', '127.0.0.1', 'artifacts.example.com', '127.0.0.1:8081'] });
  t.after(() => env.close());
  const answers = {
    'http://localhost/x': true,
    'http://localhost:80/x': true,
    'http://localhost:8080/x': false,
    'http://127.0.0.1:3000/x': false,
    'http://127.0.0.1:8081/x': true,
    'https://artifacts.example.com/x': true,
    'https://artifacts.example.com:443/x': true,
    'https://artifacts.example.com:8443/x': false,
  };
  for (const [uri, expected] of Object.entries(answers)) {
    const result = await bazelGet(env.home.env, uri);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(Object.keys((JSON.parse(result.stdout) as { headers: object }).headers).length > 0, expected, uri);
  }
  const docker = await runCli(['helper', '--protocol', 'docker', 'get'], env.home.env, 'localhost:5000');
  assert.equal(docker.stdout.trim(), 'credentials not found in native keychain', 'docker: localhost:5000 is not "localhost"');
});

test('through the native credshare-bazel and the agent: the same answer, and Bazel\'s parser accepts its "expires"', { timeout: 60_000 }, async (t) => {
  if (!requireNativeClient(t)) return;
  const env = await signedInHome({ hosts: ['artifacts.example.com'] });
  const clientEnv = { ...env.home.env, XDG_RUNTIME_DIR: runtimeDir(t) };
  t.after(async () => { await stopAgent(clientEnv); await env.close(); });
  const viaClient = () => run(path.join(nativeDir, 'credshare-bazel'), ['get'], { env: clientEnv, input: JSON.stringify({ uri: 'https://artifacts.example.com/a.tar.gz' }) });
  const first = await viaClient(); // no agent yet: the Node CLI, and an agent started
  assert.equal(first.code, 0, first.stderr);
  const before = await waitForAgent(clientEnv);
  const answer = await viaClient();
  assert.equal(answer.code, 0, answer.stderr);
  // (`agent status` is itself a request the agent serves: more than one more.)
  assert.ok((await waitForAgent(clientEnv)).requestsServed > before.requestsServed + 1, 'the agent answered');
  assert.equal(answer.stdout, first.stdout, 'byte for byte what the Node CLI answered');
  const { expires, headers } = JSON.parse(answer.stdout) as { expires: string; headers: unknown };
  assert.deepEqual(headers, { Authorization: [`Bearer ${env.home.readSession()!.accessToken}`] });
  const [parsed] = await parseLikeBazel(expires);
  assert.equal(parsed, `ok ${Math.floor(env.home.readSession()!.expiresAt / 1000)}`);
});
