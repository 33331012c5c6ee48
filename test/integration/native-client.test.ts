// The native client (native/, built by `npm run build` into dist/native/<platform>-<arch>/)
// on its own: what it sends an agent, and every way an agent can fail to answer, where the
// call must still get the Node CLI's own answer. Behaviours a real agent shows only by
// accident (silence after an accept, half an answer, a hang-up after reading stdin) come
// from a STAND-IN agent (test/support/fake-agent.mjs), which answers no credential
// question; the calls that need an answer get it from the real Node CLI the client falls
// back to, against the real embedded issuer. The client with the real agent, and real
// tools through it: native-agent.test.ts.
//
// Every test runs against each implementation of the client built here (the C client
// Linux ships, and the Go client macOS and Windows ship): one protocol, one behaviour.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run, type Finished } from '../support/processes';
import { signedInHome } from '../support/issuer-home';
import { resolveHome } from '../../src/core/paths';
import { agentSocket, clientTrace, nativeImplementations, requireNativeClient, runtimeDir, startStandIn, stopAgent, type NativeImplementation } from '../support/native';

const bazelRequest = JSON.stringify({ uri: 'https://artifacts.example.com/a.tar.gz' });

function assertBazelAnswer(result: Finished, bearer: string): void {
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout).headers, { Authorization: [bearer] });
}

async function setting(t: import('node:test').TestContext, impl: NativeImplementation) {
  if (!requireNativeClient(t)) return undefined;
  const { client, dir: nativeDir } = impl;
  const signedIn = await signedInHome({ hosts: ['artifacts.example.com'] });
  const runtime = runtimeDir(t);
  const env: NodeJS.ProcessEnv = {
    ...signedIn.home.env,
    XDG_RUNTIME_DIR: runtime,
    CREDSHARE_DEBUG: '1',
    PATH: [path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter),
  };
  // An agent a fallback started (from dist/, the real one) goes with the test.
  t.after(async () => { await stopAgent(env); await signedIn.close(); });
  const home = signedIn.home.paths.home;
  const bearer = () => `Bearer ${signedIn.home.readSession()!.accessToken}`;
  const bazel = (extraEnv: NodeJS.ProcessEnv = {}): Promise<Finished> =>
    run(path.join(nativeDir, 'credshare-bazel'), ['get'], { env: { ...env, ...extraEnv }, input: bazelRequest });
  const spawnMarker = path.join(path.dirname(agentSocket(runtime, home)), `${path.basename(agentSocket(runtime, home), '.sock')}.spawn`);
  return { client, nativeDir, signedIn, runtime, env, home, bearer, bazel, spawnMarker };
}

for (const impl of nativeImplementations) {
  const named = (title: string): string => `${impl.name}: ${title}`;

  test(named('no agent: the Node CLI answers (same stdout and exit code) and one agent start is attempted for next time'), { timeout: 60_000 }, async (t) => {
    const s = await setting(t, impl);
    if (!s) return;
    const result = await s.bazel();
    assertBazelAnswer(result, s.bearer());
    const trace = clientTrace(result.stderr);
    assert.match(trace[0]!, /^running the Node CLI: no agent/);
    assert.ok(trace.some((l) => /^started an agent \(pid \d+\)$/.test(l)), trace.join('\n'));
    assert.ok(fs.existsSync(s.spawnMarker), 'the O_EXCL spawn marker is there');
    // Right after: the agent answers, or (still starting) the marker keeps this call from starting another.
    const again = await s.bazel();
    assertBazelAnswer(again, s.bearer());
    assert.ok(!clientTrace(again.stderr).some((l) => l.startsWith('started an agent')), again.stderr);

    // Exit codes come through the fallback unchanged: no session for this profile is 3.
    const missing = await run(s.client, ['token', '--profile', 'nobody'], { env: s.env });
    const direct = await run(process.execPath, [path.join(s.nativeDir, '..', '..', 'cli.js'), 'token', '--profile', 'nobody'], { env: s.env });
    assert.notEqual(direct.code, 0);
    assert.equal(missing.code, direct.code);
    assert.equal(missing.stdout, direct.stdout);
  });

  test(named('stale socket (its agent SIGKILLed): connection refused, the Node CLI answers, an agent start is attempted'), { timeout: 60_000 }, async (t) => {
    const s = await setting(t, impl);
    if (!s) return;
    const standIn = await startStandIn(t, s.runtime, s.home, 'answer');
    standIn.child.kill('SIGKILL');
    await new Promise((r) => standIn.child.once('exit', r));
    assert.ok(fs.existsSync(standIn.socket), 'a killed agent leaves its socket file');
    const result = await s.bazel();
    assertBazelAnswer(result, s.bearer());
    const trace = clientTrace(result.stderr);
    assert.match(trace[0]!, /^running the Node CLI: no agent at .*connection refused/);
    assert.ok(trace.some((l) => l.startsWith('started an agent')), trace.join('\n'));
  });

  test(named('frozen agent (SIGSTOPped): no accept within 2 s, the Node CLI answers, no second agent is started'), { timeout: 60_000 }, async (t) => {
    const s = await setting(t, impl);
    if (!s) return;
    const standIn = await startStandIn(t, s.runtime, s.home, 'answer');
    standIn.child.kill('SIGSTOP');
    const result = await s.bazel();
    assertBazelAnswer(result, s.bearer());
    const trace = clientTrace(result.stderr);
    assert.match(trace[0]!, /^running the Node CLI: the agent did not accept within 2s/);
    assert.ok(!trace.some((l) => l.includes('agent (pid') || l.includes('being started')), trace.join('\n'));
    assert.ok(!fs.existsSync(s.spawnMarker));
  });

  test(named('another build: steppingAside true starts an agent after the Node CLI answers; false and other refusals start none'), { timeout: 60_000 }, async (t) => {
    const s = await setting(t, impl);
    if (!s) return;
    for (const [behaviour, starts] of [['version-stays', false], ['unsupported', false], ['version-aside', true]] as const) {
      const standIn = await startStandIn(t, s.runtime, s.home, behaviour);
      const result = await s.bazel();
      standIn.stop();
      assertBazelAnswer(result, s.bearer());
      const trace = clientTrace(result.stderr);
      assert.match(trace[0]!, /^running the Node CLI: the agent sent the call back \((version|unsupported): /, behaviour);
      assert.equal(trace.some((l) => l.startsWith('started an agent')), starts, `${behaviour}: ${trace.join('\n')}`);
      // The stand-in got the request, with the build id of the bundle beside the client.
      const [request] = standIn.requests() as { build: string }[];
      assert.equal(request!.build, fs.readFileSync(path.join(s.nativeDir, '..', '..', 'build-id'), 'utf8').trim());
      fs.rmSync(`${standIn.socket}.requests`, { force: true });
    }
  });

  test(named('the request: argv as the Node CLI would get it (the name implies the helper), only the allowed variables, the cwd'), { timeout: 60_000 }, async (t) => {
    const s = await setting(t, impl);
    if (!s) return;
    const standIn = await startStandIn(t, s.runtime, s.home, 'answer');
    const cwd = fs.realpathSync(s.runtime);
    const result = await run(path.join(s.nativeDir, 'credshare-bazel'), ['get'], {
      cwd, env: { ...s.env, CREDSHARE_PROFILE: 'default', SOME_SECRET: 'never sent', KUBERNETES_EXEC_INFO: '{"kind":"ExecCredential"}' }, input: bazelRequest,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'answered by the stand-in\n', result.stderr);
    // Arguments JSON must escape, unchanged on the other side.
    const odd = ['token', '--profile', 'a "quoted" \\ back\nslash\ttab \u0001 é 😀'];
    const oddCall = await run(s.client, odd, { env: s.env });
    assert.equal(oddCall.stdout, 'answered by the stand-in\n', oddCall.stderr);
    // An argument that is not UTF-8 cannot travel as JSON: the Node CLI gets it as it is.
    // (a shell passes the raw byte; Node would encode a string as UTF-8)
    const latin1 = await run('/bin/sh', ['-c', `exec "$0" token --profile "$(printf 'c\\351')"`, s.client], { env: s.env });
    assert.match(clientTrace(latin1.stderr)[0]!, /^running the Node CLI: an argument or variable is not UTF-8/);
    const docker = await run(path.join(s.nativeDir, 'docker-credential-credshare'), ['get'], { env: s.env, input: 'x' });
    assert.equal(docker.stdout, 'answered by the stand-in\n');
    // (the stand-in also records the stdin each helper sent: not requests)
    const [bazel, oddRequest, dockerRequest] = (standIn.requests() as { protocol: number; argv?: string[]; env: Record<string, string>; cwd: string }[]).filter((r) => r.argv);
    assert.deepEqual(oddRequest!.argv, odd);
    assert.equal(bazel!.protocol, 1);
    assert.deepEqual(bazel!.argv, ['helper', '--protocol', 'bazel', 'get']);
    assert.deepEqual(dockerRequest!.argv, ['helper', '--protocol', 'docker', 'get']);
    assert.equal(bazel!.cwd, cwd);
    assert.deepEqual(Object.keys(bazel!.env).sort(), ['CREDSHARE_DEBUG', 'CREDSHARE_HOME', 'CREDSHARE_PROFILE', 'HOME', 'KUBERNETES_EXEC_INFO'].filter((k) => k !== 'HOME' || s.env.HOME !== undefined).sort());
    assert.equal(bazel!.env.CREDSHARE_HOME, s.home);
  });

  test(named('stdin goes unasked with the request for the helpers that read all of it, as it arrives (a conversation), not at end of input'), { timeout: 60_000 }, async (t) => {
    const s = await setting(t, impl);
    if (!s) return;
    const standIn = await startStandIn(t, s.runtime, s.home, 'echo');
    // cargo's conversation: each line reaches the agent while stdin is still open.
    const child = spawn(s.client, ['--cargo-plugin'], { env: s.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => { stdout += d; });
    const seen = (text: string) => new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${JSON.stringify(text)} within 5 s; stdout ${JSON.stringify(stdout)}`)), 5000);
      const check = () => { if (stdout.includes(text)) { clearTimeout(timer); resolve(); } };
      child.stdout.on('data', check);
      check();
    });
    child.stdin.write('{"first":1}\n');
    await seen('{"first":1}\n'); // echoed while stdin is still open
    child.stdin.end('{"second":2}\n');
    const code = await new Promise((r) => child.on('close', r));
    assert.equal(code, 7);
    assert.equal(stdout, '{"first":1}\n{"second":2}\n');
    // A helper whose tool wrote its request before the call: all of it with the request.
    const bazel = await s.bazel();
    assert.equal(bazel.stdout, bazelRequest);
    const requests = standIn.requests() as { argv?: string[]; stdinFollows?: boolean; stdin?: string }[];
    assert.deepEqual(requests.filter((r) => r.argv).map((r) => [r.argv![0], r.stdinFollows]), [['--cargo-plugin', true], ['helper', true]]);
    assert.equal(requests.at(-1)!.stdin, bazelRequest);
  });

  test(named('stdin only after W for everything else: token and kubectl\'s helper leave a shell loop\'s input alone'), { timeout: 60_000 }, async (t) => {
    const s = await setting(t, impl);
    if (!s) return;
    // The stand-in answers without asking for stdin: a client that read ahead would take
    // the lines the loop reads next.
    const standIn = await startStandIn(t, s.runtime, s.home, 'answer');
    const script = 'while read -r line; do echo "loop: $line"; "$0" token >/dev/null; "$0" helper --protocol kubectl get >/dev/null; done';
    const looped = await run('/bin/sh', ['-c', script, s.client], { env: s.env, input: 'one\ntwo\nthree\n' });
    assert.equal(looped.code, 0, looped.stderr);
    assert.equal(looped.stdout, 'loop: one\nloop: two\nloop: three\n');
    const requests = standIn.requests() as { argv?: string[]; stdinFollows?: boolean; stdin?: string }[];
    assert.equal(requests.length, 6, JSON.stringify(requests));
    assert.ok(requests.every((r) => r.argv && r.stdinFollows === undefined), JSON.stringify(requests));
  });

  test(named('an agent that hangs up after reading stdin: the Node CLI answers with that stdin replayed'), { timeout: 60_000 }, async (t) => {
    const s = await setting(t, impl);
    if (!s) return;
    await startStandIn(t, s.runtime, s.home, 'hang-up-after-stdin');
    const result = await s.bazel();
    assertBazelAnswer(result, s.bearer());
    assert.match(clientTrace(result.stderr)[0]!, /^running the Node CLI: the connection ended before the exit code/);
  });

  test(named('silence: 5 s without a frame after an accept is a frozen agent (the Node CLI answers), keep-alives hold a call open past it, and silence after part of an answer is exit 1 with one line, never a second answer'), { timeout: 60_000 }, async (t) => {
    const s = await setting(t, impl);
    if (!s) return;
    // Three agents, each in a socket directory of its own, timed at once (each takes 5-7 s).
    const scenario = async (behaviour: string) => {
      const runtime = runtimeDir(t);
      await startStandIn(t, runtime, s.home, behaviour);
      return s.bazel({ XDG_RUNTIME_DIR: runtime });
    };
    const [frozen, slow, half] = await Promise.all([scenario('silent-after-accept'), scenario('slow-with-keepalive'), scenario('silent-after-output')]);
    assertBazelAnswer(frozen, s.bearer());
    assert.match(clientTrace(frozen.stderr)[0]!, /^running the Node CLI: no word from the agent for 5s/);

    assert.equal(slow.code, 0, slow.stderr);
    assert.equal(slow.stdout, 'answered after 6.5 s\n');
    assert.deepEqual(clientTrace(slow.stderr), []);

    assert.equal(half.code, 1);
    assert.equal(half.stdout, 'half an answer');
    assert.match(half.stderr, /^credshare: the credshare agent stopped answering; run the command again$/m);
    assert.ok(!clientTrace(half.stderr).some((l) => l.startsWith('running the Node CLI')), half.stderr);
  });

  test(named('a socket directory open to others, or not the user\'s: nothing in it is trusted, no agent started'), { timeout: 60_000 }, async (t) => {
    const s = await setting(t, impl);
    if (!s) return;
    const standIn = await startStandIn(t, s.runtime, s.home, 'answer');
    fs.chmodSync(path.dirname(standIn.socket), 0o755);
    const result = await s.bazel();
    assertBazelAnswer(result, s.bearer());
    const trace = clientTrace(result.stderr);
    assert.match(trace[0]!, /^running the Node CLI: socket directory refused: .* has mode 755; it must be 0700/);
    assert.ok(!trace.some((l) => l.includes('agent (pid')), trace.join('\n'));
    assert.deepEqual(standIn.requests(), []);
    // A symlink in the directory's place is refused too.
    fs.chmodSync(path.dirname(standIn.socket), 0o700);
    const moved = `${path.dirname(standIn.socket)}.real`;
    fs.renameSync(path.dirname(standIn.socket), moved);
    fs.symlinkSync(moved, path.dirname(standIn.socket));
    const linked = await s.bazel();
    assertBazelAnswer(linked, s.bearer());
    assert.match(clientTrace(linked.stderr)[0]!, /^running the Node CLI: socket directory refused: .* is not a directory/);
  });

  test(named('what the agent sends, read exactly: frames split a byte at a time, the largest frame, one over the limit, an unknown one, an exit frame without a code'), { timeout: 60_000 }, async (t) => {
    const s = await setting(t, impl);
    if (!s) return;
    const withStandIn = async (behaviour: string): Promise<Finished> => {
      const standIn = await startStandIn(t, s.runtime, s.home, behaviour);
      try { return await s.bazel(); } finally { standIn.stop(); }
    };
    const trickled = await withStandIn('trickle');
    assert.equal(trickled.code, 3, trickled.stderr);
    assert.equal(trickled.stdout, 'one two\n');
    assert.match(trickled.stderr, /^a note$/m);
    const largest = await withStandIn('largest-answer');
    assert.equal(largest.code, 0, largest.stderr);
    assert.equal(largest.stdout, 'x'.repeat(1 << 20));
    // Before any output: the Node CLI answers instead.
    for (const [behaviour, trace] of [['oversized', /^running the Node CLI: the agent sent a frame larger than 1 MiB$/], ['unknown-frame', /^running the Node CLI: an unknown frame "Z"$/]] as const) {
      const result = await withStandIn(behaviour);
      assertBazelAnswer(result, s.bearer());
      assert.match(clientTrace(result.stderr)[0]!, trace, behaviour);
    }
    // After output: exit 1 and one line, never a second answer.
    const badExit = await withStandIn('bad-exit');
    assert.equal(badExit.code, 1);
    assert.equal(badExit.stdout, 'partial');
    assert.match(badExit.stderr, /^credshare: the credshare agent stopped answering; run the command again$/m);
  });

  test(named('the Node CLI\'s own outcome: its exit code even when the tool ignores SIGCHLD, and a Node that cannot run is one line and exit 1, starting no agent'), { timeout: 60_000 }, async (t) => {
    const s = await setting(t, impl);
    if (!s) return;
    // No agent, so the client runs the CLI as a child and waits for it: an ignored SIGCHLD
    // (bash's trap "" CHLD, kept across exec) must not turn its exit code into 1.
    const direct = await run(process.execPath, [path.join(s.nativeDir, '..', '..', 'cli.js'), 'token', '--profile', 'nobody'], { env: s.env });
    assert.ok(direct.code !== 0 && direct.code !== 1, `the CLI's code for an unknown profile: ${direct.code}`);
    const ignoring = await run('bash', ['-c', 'trap "" CHLD; exec "$0" token --profile nobody', s.client], { env: s.env });
    assert.equal(ignoring.code, direct.code, ignoring.stderr);
    assert.equal(ignoring.stdout, direct.stdout);
    await stopAgent(s.env);
    // A Node that is not there (a CREDSHARE_NODE left behind by an updated VS Code).
    const env = { ...s.env, XDG_RUNTIME_DIR: runtimeDir(t), CREDSHARE_NODE: '/nonexistent/node' };
    const started = await run(s.client, ['token'], { env });
    assert.equal(started.code, 1);
    assert.match(started.stderr, /^credshare: fork\/exec \/nonexistent\/node: no such file or directory$/m);
    assert.ok(!clientTrace(started.stderr).some((l) => l.startsWith('started an agent')), started.stderr);
    const execed = await run(s.client, ['token'], { env: { ...env, CREDSHARE_AGENT: 'off' } });
    assert.equal(execed.code, 1);
    assert.match(execed.stderr, /^credshare: exec \/nonexistent\/node: no such file or directory$/m);
  });

  test(named('CREDSHARE_AGENT=off: the Node CLI, without asking or starting an agent'), { timeout: 60_000 }, async (t) => {
    const s = await setting(t, impl);
    if (!s) return;
    const standIn = await startStandIn(t, s.runtime, s.home, 'answer');
    const result = await s.bazel({ CREDSHARE_AGENT: 'off' });
    assertBazelAnswer(result, s.bearer());
    assert.deepEqual(clientTrace(result.stderr), ['running the Node CLI: CREDSHARE_AGENT=off']);
    assert.deepEqual(standIn.requests(), []);
  });

  test(named('a full backlog (a stopped agent whose queue is full): connecting gives up after ~1 s and the Node CLI answers'), { timeout: 60_000 }, async (t) => {
    const s = await setting(t, impl);
    if (!s) return;
    const standIn = await startStandIn(t, s.runtime, s.home, 'answer', { ...process.env, FAKE_BACKLOG: '1' });
    standIn.child.kill('SIGSTOP');
    const results = await Promise.all(Array.from({ length: 6 }, () => s.bazel()));
    for (const result of results) assertBazelAnswer(result, s.bearer());
    const first = results.map((r) => clientTrace(r.stderr)[0]!);
    // The queue takes one or two (they wait for an accept), the rest find it full.
    assert.ok(first.some((l) => /^running the Node CLI: cannot reach the agent: .*backlog full/.test(l)), first.join('\n'));
    assert.ok(first.every((l) => /backlog full|did not accept within 2s/.test(l)), first.join('\n'));
    assert.ok(!results.some((r) => clientTrace(r.stderr).some((l) => l.startsWith('started an agent'))));
  });
}

// The socket is named after the home's path, so the client and the agent must compute it
// byte for byte alike however the environment spells it: each spelling below must reach
// a stand-in listening where the CLI's own resolveHome (src/core/paths.ts) puts it.
test('the home as the CLI resolves it, however it is spelled: relative, doubled slashes, a trailing slash, non-ASCII, XDG_CONFIG_HOME, HOME', { timeout: 120_000 }, async (t) => {
  if (!requireNativeClient(t)) return;
  const runtime = runtimeDir(t);
  const base = fs.realpathSync(runtimeDir(t));
  const spellings: NodeJS.ProcessEnv[] = [
    { CREDSHARE_HOME: 'rel/../home-a' },
    { CREDSHARE_HOME: `${base}//x/./home-b/` },
    { CREDSHARE_HOME: `${base}/hömé 😀` },
    { XDG_CONFIG_HOME: 'cfg/' },
    { HOME: `${base}/user` },
  ];
  for (const spelling of spellings) {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, XDG_RUNTIME_DIR: runtime, CREDSHARE_DEBUG: '1', ...spelling };
    const home = resolveHome(env, base).home;
    const standIn = await startStandIn(t, runtime, home, 'answer');
    for (const impl of nativeImplementations) {
      const result = await run(impl.client, ['token'], { cwd: base, env });
      assert.equal(result.stdout, 'answered by the stand-in\n', `${impl.name}, ${JSON.stringify(spelling)} (home ${home}): ${result.stderr}`);
    }
    standIn.stop();
  }
});
