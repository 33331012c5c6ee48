// The native client with the real agent (`credshare agent`): a hundred first calls at
// once start one agent; a killed, a frozen and a replaced agent each leave the call to the
// Node CLI and the right answer. (The client against scripted misbehaviour:
// native-client.test.ts; the 1000-call variant of the first test: `npm run bench`.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run, type Finished } from '../support/processes';
import { alive } from '../support/agent-rig';
import { signedInHome, signedInHomeWithIssuerProcess } from '../support/issuer-home';
import { clientTrace, nativeClient, nativeDir, requireNativeClient, runtimeDir, stopAgent, waitForAgent } from '../support/native';

const gitRequest = 'protocol=https\nhost=git.example.com\n\n';

function assertGitAnswer(result: Finished, token: string): void {
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`^password=${token.replace(/[-]/g, '\\-')}$`, 'm'));
}


test('100 first calls at once: every one answered, exactly one agent serves afterwards, and the next call is its', { timeout: 180_000 }, async (t) => {
  if (!requireNativeClient(t)) return;
  const signedIn = await signedInHomeWithIssuerProcess({ hosts: ['git.example.com'] });
  const env = { ...signedIn.home.env, XDG_RUNTIME_DIR: runtimeDir(t), CREDSHARE_DEBUG: '1' };
  t.after(async () => { await stopAgent(env); await signedIn.close(); });
  const token = signedIn.home.readSession()!.accessToken;
  const calls = await Promise.all(Array.from({ length: 100 }, () => run(nativeClient, ['helper', '--protocol', 'git', 'get'], { env, input: gitRequest })));
  for (const call of calls) assertGitAnswer(call, token);
  const starts = calls.filter((c) => clientTrace(c.stderr).some((l) => l.startsWith('started an agent'))).length;
  t.diagnostic(`${starts} of 100 calls started an agent; ${calls.filter((c) => clientTrace(c.stderr).length === 0).length} were answered by it already`);
  // One marker for the whole storm; a second start only if the first agent was still not
  // listening 10 s later (a loaded machine), and then the agent's own guard keeps one.
  assert.ok(starts >= 1 && starts <= 2, `${starts} starts`);
  const agent = await waitForAgent(env);
  const agentProcesses = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      const cmdline = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
      const environ = fs.readFileSync(`/proc/${p}/environ`, 'utf8');
      return cmdline.includes('agent\0start') && environ.includes(`CREDSHARE_HOME=${signedIn.home.paths.home}\0`);
    } catch {
      return false;
    }
  });
  assert.deepEqual(agentProcesses, [String(agent.pid)], 'exactly one agent process for this home');
  const next = await run(nativeClient, ['helper', '--protocol', 'git', 'get'], { env, input: gitRequest });
  assertGitAnswer(next, token);
  assert.deepEqual(clientTrace(next.stderr), [], 'answered by the agent');
});

test('the agent SIGKILLed (a stale socket), then SIGSTOPped (frozen): each call gets the Node CLI\'s answer; a new agent only after the kill', { timeout: 120_000 }, async (t) => {
  if (!requireNativeClient(t)) return;
  const signedIn = await signedInHome({ hosts: ['git.example.com'] });
  const env = { ...signedIn.home.env, XDG_RUNTIME_DIR: runtimeDir(t), CREDSHARE_DEBUG: '1' };
  let stopped: number | undefined;
  t.after(async () => { if (stopped) process.kill(stopped, 'SIGCONT'); await stopAgent(env); await signedIn.close(); });
  const call = () => run(nativeClient, ['helper', '--protocol', 'git', 'get'], { env, input: gitRequest });
  const token = signedIn.home.readSession()!.accessToken;
  assertGitAnswer(await call(), token);
  const first = await waitForAgent(env);

  process.kill(first.pid, 'SIGKILL');
  while (alive(first.pid)) await new Promise((r) => setTimeout(r, 50));
  const afterKill = await call();
  assertGitAnswer(afterKill, token);
  const killTrace = clientTrace(afterKill.stderr);
  assert.match(killTrace[0]!, /^running the Node CLI: no agent at .*: connection refused$/);
  assert.ok(killTrace.some((l) => l.startsWith('started an agent')), killTrace.join('\n'));
  const second = await waitForAgent(env);
  assert.notEqual(second.pid, first.pid);

  process.kill(second.pid, 'SIGSTOP');
  stopped = second.pid;
  const frozen = await call();
  assertGitAnswer(frozen, token);
  assert.deepEqual(clientTrace(frozen.stderr), ['running the Node CLI: the agent did not accept within 2s (frozen or overloaded)']);
  process.kill(second.pid, 'SIGCONT');
  stopped = undefined;
  const woken = await call();
  assertGitAnswer(woken, token);
  assert.deepEqual(clientTrace(woken.stderr), [], 'the woken agent answers again');
});

test('a newer installation under a running agent: it sends the call back stepping aside, the Node CLI answers, a new agent is started', { timeout: 120_000 }, async (t) => {
  if (!requireNativeClient(t)) return;
  // An installation of its own (the agent watches its own build-id file), copied from dist/.
  const install = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-install-'));
  const dist = path.join(install, 'dist');
  const clientDir = path.join(dist, 'native', path.basename(nativeDir));
  fs.mkdirSync(clientDir, { recursive: true });
  for (const file of ['cli.js', 'build-id']) fs.copyFileSync(path.join(nativeDir, '..', '..', file), path.join(dist, file));
  fs.copyFileSync(nativeClient, path.join(clientDir, 'credshare'));
  fs.chmodSync(path.join(clientDir, 'credshare'), 0o755);
  const signedIn = await signedInHome({ hosts: ['git.example.com'] });
  const env = { ...signedIn.home.env, XDG_RUNTIME_DIR: runtimeDir(t), CREDSHARE_DEBUG: '1' };
  const pids: number[] = [];
  t.after(async () => {
    for (const pid of pids) { try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ } }
    await stopAgent(env);
    await signedIn.close();
    fs.rmSync(install, { recursive: true, force: true });
  });
  const call = () => run(path.join(clientDir, 'credshare'), ['helper', '--protocol', 'git', 'get'], { env, input: gitRequest });
  const token = signedIn.home.readSession()!.accessToken;
  assertGitAnswer(await call(), token);
  const old = await waitForAgent(env);
  pids.push(old.pid);
  assert.deepEqual(clientTrace((await call()).stderr), [], 'the agent of this installation answers');

  // "Upgrade": the installation now carries another build.
  fs.writeFileSync(path.join(dist, 'build-id'), '0.1.0+000000upgrade\n');
  const upgraded = await call();
  assertGitAnswer(upgraded, token);
  const trace = clientTrace(upgraded.stderr);
  assert.match(trace[0]!, /^running the Node CLI: the agent sent the call back \(version: /);
  assert.ok(trace.some((l) => l.startsWith('started an agent')), trace.join('\n'));
  const deadline = Date.now() + 15_000;
  while (alive(old.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.ok(!alive(old.pid), 'the old agent stepped aside and exited');
});
