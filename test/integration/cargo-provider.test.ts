// credshare as a cargo credential provider, spoken to the way cargo speaks to it
// (cargo's src/cargo/util/credential/process.rs): start `credshare --cargo-plugin`, read
// the hello line, write one JSON request per line, read one answer per line, close stdin,
// expect exit 0. (The real cargo against a registry is in the tool end-to-end tests.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { cliPath } from '../support/processes';
import { signedInHome } from '../support/issuer-home';

const ARGS = ['helper', '--protocol', 'cargo'];

/** One provider process, several requests in a row (cargo sends one; the protocol allows more). */
async function converse(env: NodeJS.ProcessEnv, requests: object[], argv = ['--cargo-plugin']): Promise<{ hello: unknown; answers: any[]; code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [cliPath, ...argv], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<unknown> => JSON.parse(((await lines.next()).value as string | undefined) ?? 'null');
  const hello = await next();
  const answers = [];
  for (const request of requests) {
    child.stdin.write(JSON.stringify(request) + '\n');
    answers.push(await next());
  }
  child.stdin.end();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { hello, answers, code, stderr };
}

const get = (indexUrl: string, args = ARGS, extra: object = {}) => ({ v: 1, registry: { 'index-url': indexUrl, name: 'corp' }, kind: 'get', operation: 'read', args, ...extra });

test('cargo provider: hello, then "Bearer <token>" with its expiry for the profile\'s hosts, url-not-supported for others', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome({ hosts: ['crates.example.com', '127.0.0.1:8089'] });
  t.after(() => env.close());
  const session = env.home.readSession()!;
  const { hello, answers, code, stderr } = await converse(env.home.env, [
    get('sparse+https://crates.example.com/index/'),
    get('https://crates.example.com/git/index'),
    get('sparse+http://127.0.0.1:8089/index/'),
    { ...get('sparse+https://crates.example.com/index/'), operation: 'publish', name: 'x', vers: '1.0.0', cksum: 'abc' },
    get('sparse+https://index.crates.io/'),
    get('sparse+http://crates.example.com/index/'),
    get('sparse+https://crates.example.com:8443/index/'),
    get('ssh://git@crates.example.com/index'),
  ]);
  assert.equal(code, 0, stderr);
  assert.deepEqual(hello, { v: [1] });
  const ok = { Ok: { kind: 'get', token: `Bearer ${session.accessToken}`, cache: 'expires', expiration: Math.floor(session.expiresAt / 1000), operation_independent: true } };
  assert.deepEqual(answers.slice(0, 4), [ok, ok, ok, ok]);
  for (const answer of answers.slice(4)) assert.deepEqual(answer, { Err: { kind: 'url-not-supported' } });
  assert.equal(env.issuer.stats().refreshRequests, 0);
});

test('cargo provider: an expired token is refreshed once; cargoBareToken drops the scheme; --profile in args is honoured', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome({ hosts: ['crates.example.com'] });
  t.after(() => env.close());
  const config = JSON.parse(fs.readFileSync(env.home.paths.config, 'utf8'));
  config.profiles.default.cargoBareToken = true;
  fs.writeFileSync(env.home.paths.config, JSON.stringify(config));
  env.expire();
  const { answers, code, stderr } = await converse(env.home.env, [
    get('sparse+https://crates.example.com/index/'),
    get('sparse+https://crates.example.com/index/', [...ARGS, '--profile', 'default']),
    get('sparse+https://crates.example.com/index/', [...ARGS, '--profile', 'nosuch']),
  ]);
  assert.equal(code, 0, stderr);
  const session = env.home.readSession()!;
  assert.ok(session.expiresAt > Date.now());
  assert.equal(answers[0].Ok.token, session.accessToken, 'bare token');
  assert.equal(answers[1].Ok.token, session.accessToken);
  assert.equal(env.issuer.stats().refreshRequests, 1);
  assert.equal(answers[2].Err.kind, 'other');
  assert.match(answers[2].Err.message, /No profile "nosuch"/);
});

test('cargo provider: login, logout, unknown kinds and bad lines get answers cargo understands, never a crash', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome({ hosts: ['crates.example.com'] });
  t.after(() => env.close());
  const registry = { 'index-url': 'sparse+https://crates.example.com/index/', name: 'corp' };
  const { answers, code, stderr } = await converse(env.home.env, [
    { v: 1, registry, kind: 'login', token: 'pasted', args: ARGS },
    { v: 1, registry, kind: 'logout', args: ARGS },
    { v: 1, registry, kind: 'something-new', args: ARGS },
    { v: 2, registry, kind: 'get', operation: 'read', args: ARGS },
    { v: 1, kind: 'get' },
  ], ['helper', '--protocol', 'cargo']);
  assert.equal(code, 0, stderr);
  assert.deepEqual(answers[0], { Ok: { kind: 'login' } }, 'already signed in: nothing to store');
  assert.equal(answers[1].Err.kind, 'other');
  assert.match(answers[1].Err.message, /credshare logout/);
  assert.deepEqual(answers[2], { Err: { kind: 'operation-not-supported' } });
  assert.match(answers[3].Err.message, /unsupported protocol version 2/);
  assert.match(answers[4].Err.message, /index-url/);
  assert.ok(env.home.readSession(), 'cargo logout did not sign anyone out');

  // Signed out: get and login say how to sign in.
  fs.rmSync(env.home.paths.credentials);
  const signedOut = await converse(env.home.env, [get(registry['index-url']), { v: 1, registry, kind: 'login', args: ARGS }]);
  assert.equal(signedOut.code, 0);
  for (const answer of signedOut.answers) assert.match(answer.Err.message, /credshare login/);
});
