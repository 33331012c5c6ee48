// The C client (native/c-client, what Linux ships) under AddressSanitizer and
// UndefinedBehaviorSanitizer: the same sources built with -fsanitize=address,undefined
// into dist/native-sanitized/<platform>-<arch>/ (so that its fallback finds dist/cli.js as
// the shipped one does), then taken through every path that reads what the agent sends or
// what the tool writes: answers split a byte at a time, the largest frame, an oversized
// one, an unknown one, a bad exit frame, stdin relayed and replayed, a fallback that
// starts the real agent. A sanitizer report makes the call exit non-zero with
// "Sanitizer" on stderr; every call here asserts neither. Leak checking is off: the
// client lives for one call and frees nothing on purpose (native/c-client/client.h).
// The stand-in agent (test/support/fake-agent.mjs) scripts what a real agent does only by
// accident; fallbacks get the real Node CLI's answer against the real embedded issuer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { repoRoot, run, type Finished } from '../support/processes';
import { signedInHome } from '../support/issuer-home';
import { clientTrace, runtimeDir, startStandIn, stopAgent, waitForAgent } from '../support/native';

const source = path.join(repoRoot, 'native', 'c-client');
const dir = path.join(repoRoot, 'dist', 'native-sanitized', `${process.platform}-${process.arch}`);
const client = path.join(dir, 'credshare');
const sanitizerEnv = { ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=0', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1' };
const bazelRequest = JSON.stringify({ uri: 'https://artifacts.example.com/a.tar.gz' });

/** Builds the sanitized client once per run; undefined (with a skip) where it cannot be built. */
let built: string | undefined | null = null;
function sanitizedClient(t: TestContext): string | undefined {
  if (built === null) {
    built = undefined;
    if (process.platform !== 'linux') return void t.skip('the C client is Linux only');
    if (!fs.existsSync(path.join(repoRoot, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build`');
    const cc = process.env.CC || 'cc';
    if (spawnSync(cc, ['--version']).error) return void t.skip(`no C compiler ("${cc}"; apt-get install gcc)`);
    fs.mkdirSync(dir, { recursive: true });
    const sources = fs.readdirSync(source).filter((f) => f.endsWith('.c'));
    const result = spawnSync(cc, ['-std=c11', '-D_GNU_SOURCE', '-g', '-O1', '-fno-omit-frame-pointer', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-Wall', '-Wextra', '-Werror', '-o', client, ...sources], { cwd: source, encoding: 'utf8' });
    assert.equal(result.status, 0, `the sanitized build failed:\n${result.stderr}`);
    built = client;
  }
  if (!built) t.skip('the sanitized client could not be built');
  return built;
}

function assertClean(result: Finished, what: string): void {
  assert.ok(!/Sanitizer|runtime error:/.test(result.stderr), `${what}: a sanitizer report:\n${result.stderr}`);
}

test('the C client under ASan and UBSan: every answer and fallback path, no report', { timeout: 180_000 }, async (t) => {
  const sanitized = sanitizedClient(t);
  if (!sanitized) return;
  const signedIn = await signedInHome({ hosts: ['artifacts.example.com'] });
  const runtime = runtimeDir(t);
  const env: NodeJS.ProcessEnv = {
    ...signedIn.home.env, ...sanitizerEnv, XDG_RUNTIME_DIR: runtime, CREDSHARE_DEBUG: '1',
    PATH: [path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter),
  };
  t.after(async () => { await stopAgent(env); await signedIn.close(); });
  const home = signedIn.home.paths.home;
  const bearer = (): string => `Bearer ${signedIn.home.readSession()!.accessToken}`;
  // argv[0] credshare-bazel: the name implies `helper --protocol bazel`.
  const bazel = (): Promise<Finished> => run(sanitized, ['get'], { env, input: bazelRequest, argv0: path.join(dir, 'credshare-bazel') });
  const fallbackAnswer = (result: Finished, what: string): void => {
    assertClean(result, what);
    assert.equal(result.code, 0, `${what}: ${result.stderr}`);
    assert.deepEqual(JSON.parse(result.stdout).headers, { Authorization: [bearer()] }, what);
  };
  const withStandIn = async (behaviour: string, call: () => Promise<Finished>): Promise<Finished> => {
    const standIn = await startStandIn(t, runtime, home, behaviour);
    try { return await call(); } finally { standIn.stop(); }
  };

  // Split a byte at a time, keep-alive between, stdout and stderr, a code among odd values.
  const trickled = await withStandIn('trickle', bazel);
  assertClean(trickled, 'trickle');
  assert.equal(trickled.code, 3, trickled.stderr);
  assert.equal(trickled.stdout, 'one two\n');
  assert.match(trickled.stderr, /^a note$/m);

  const largest = await withStandIn('largest-answer', bazel);
  assertClean(largest, 'largest answer');
  assert.equal(largest.code, 0);
  assert.equal(largest.stdout.length, 1 << 20);

  for (const [behaviour, trace] of [['oversized', /larger than 1 MiB/], ['unknown-frame', /an unknown frame "Z"/]] as const) {
    const result = await withStandIn(behaviour, bazel);
    fallbackAnswer(result, behaviour);
    assert.match(clientTrace(result.stderr)[0]!, trace, behaviour);
  }

  const badExit = await withStandIn('bad-exit', bazel);
  assertClean(badExit, 'bad exit');
  assert.equal(badExit.code, 1);
  assert.equal(badExit.stdout, 'partial');
  assert.match(badExit.stderr, /^credshare: the credshare agent stopped answering; run the command again$/m);

  // The stdin relayed, then replayed to the Node CLI from the replayer process.
  const replayed = await withStandIn('hang-up-after-stdin', bazel);
  fallbackAnswer(replayed, 'replay');
  assert.match(clientTrace(replayed.stderr)[0]!, /^running the Node CLI: the connection ended before the exit code/);

  // A conversation (cargo's), stdin relayed chunk by chunk as it arrives.
  const echoed = await withStandIn('echo', async () => {
    const child = spawn(sanitized, ['--cargo-plugin'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    for (let i = 0; i < 20; i++) {
      child.stdin.write(`{"line":${i},"pad":"${'p'.repeat(i * 500)}"}\n`);
      await new Promise((r) => setTimeout(r, 5));
    }
    child.stdin.end();
    const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
    return { code, stdout, stderr } as Finished;
  });
  assertClean(echoed, 'echo');
  assert.equal(echoed.code, 7);
  assert.equal(echoed.stdout.split('\n').filter(Boolean).length, 20);

  for (const behaviour of ['version-aside', 'unsupported']) {
    const result = await withStandIn(behaviour, bazel);
    fallbackAnswer(result, behaviour);
  }

  // Not UTF-8: straight to the Node CLI (exec), which says the profile is unknown.
  const latin1 = await run('/bin/sh', ['-c', `exec "$0" token --profile "$(printf 'c\\351')"`, sanitized], { env });
  assertClean(latin1, 'not UTF-8');
  assert.match(clientTrace(latin1.stderr)[0]!, /^running the Node CLI: an argument or variable is not UTF-8/);

  // No agent: the Node CLI answers, then the client forks and execs the real agent.
  const first = await bazel();
  fallbackAnswer(first, 'no agent');
  assert.ok(clientTrace(first.stderr).some((l) => /^started an agent \(pid \d+\)$/.test(l)), first.stderr);
  await waitForAgent(env);
  const served = await bazel();
  assertClean(served, 'the real agent');
  assert.equal(served.code, 0, served.stderr);
  assert.deepEqual(clientTrace(served.stderr), []);
  assert.deepEqual(JSON.parse(served.stdout).headers, { Authorization: [bearer()] });
});
