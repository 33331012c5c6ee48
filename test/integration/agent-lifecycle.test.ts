// The agent's life (issue 18, items 1 and 6): one per home however many start at once, a
// stale socket replaced, idle exit, stop, its home or socket gone, and the lifecycle faults
// of the fault table: SIGKILL mid-refresh, SIGSTOP past the client's timeout, a newer
// installation (the version handshake), two homes, a VS Code terminal's environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { callAgent, forwardedEnv } from '../../src/agent/client';
import { agentPaths } from '../../src/agent/socket-path';
import { IpcServer } from '../../src/extension/ipc-server';
import { clientCall, installedBuildId } from '../support/agent-client';
import { agentRig, alive } from '../support/agent-rig';
import { fault } from '../support/fault-report';
import { signedInHome } from '../support/issuer-home';
import { makeHome, sessionFixture } from '../support/home';
import { cliPath, run, runCli } from '../support/processes';

const fresh = () => sessionFixture({ accessToken: 'at-fresh', expiresAt: Date.now() + 3_600_000 });

/** Live agent processes serving `home` (not the `--detach` launchers), from /proc. */
function agentsOf(home: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!(argv.includes('agent') && argv.includes('start') && !argv.includes('--detach'))) continue;
      if (!fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`CREDSHARE_HOME=${home}`)) continue;
      if (alive(Number(entry))) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/** Whether connecting to `socket` is refused (a stale socket file), within `timeoutMs`. */
async function refusesConnections(socket: string, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const code = await new Promise<string>((resolve) => {
      const probe = net.createConnection(socket);
      probe.on('connect', () => { probe.destroy(); resolve('connected'); });
      probe.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    if (code === 'ECONNREFUSED') return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  return check();
}

test('one agent per home: 12 agents started at the same moment leave exactly one serving, and the rest say so', { timeout: 60_000 }, async (t) => {
  const home = makeHome();
  home.writeSession(fresh());
  const rig = agentRig(home.env);
  t.after(() => { rig.close(); home.remove(); });
  const starts = await Promise.all(Array.from({ length: 12 }, () => runCli(['agent', 'start', '--detach'], rig.env)));
  assert.deepEqual(starts.filter((s) => s.code !== 0).map((s) => s.stderr), []);
  assert.ok(await until(() => agentsOf(home.paths.home).length === 1), `one agent process, found ${agentsOf(home.paths.home).length}`);
  assert.deepEqual(agentsOf(home.paths.home), [rig.pid()]);
  assert.equal(starts.filter((s) => /started/.test(s.stdout)).length >= 1, true);
  const served = await clientCall(['token'], { env: rig.env, startAgent: false });
  assert.equal(served.via, 'agent');
  // The socket 0600 in a 0700 directory of ours.
  assert.equal(fs.statSync(rig.paths.socket).mode & 0o777, 0o600);
  assert.equal(fs.statSync(rig.paths.dir).mode & 0o777, 0o700);
});

test('agent/stale-socket: a SIGKILLed agent\'s socket is refused, the call runs the Node CLI and starts one agent, which replaces the socket', { timeout: 60_000 }, async (t) => {
  const home = makeHome();
  home.writeSession(fresh());
  const rig = agentRig(home.env);
  t.after(() => { rig.close(); home.remove(); });
  await fault({ id: 'agent/stale-socket', area: 'agent', fault: 'the agent SIGKILLed: its socket file left behind (stale)', expected: 'calls fall back to the Node CLI and succeed; exactly one new agent replaces the socket', file: __filename }, async (tally) => {
    const first = await rig.start();
    process.kill(first, 'SIGKILL');
    assert.ok(await rig.exited(first));
    assert.ok(fs.existsSync(rig.paths.socket), 'the dead agent\'s socket is still there');
    // The state this case is about: a socket file nobody listens on. Right after the kill the
    // kernel may still be tearing the listener down (connections then reset, not refused).
    assert.ok(await refusesConnections(rig.paths.socket), 'the dead agent\'s socket refuses connections');
    const calls = await Promise.all(Array.from({ length: 8 }, () => clientCall(['token'], { env: rig.env })));
    tally.calls(...calls);
    assert.deepEqual(calls.map((c) => [c.via, c.code, c.stdout]), calls.map(() => ['node', 0, 'at-fresh\n']));
    assert.ok(calls.some((c) => c.startedAgent), 'a call started an agent');
    assert.ok(await until(() => rig.pid() !== undefined && rig.pid() !== first && alive(rig.pid()!)), 'a new agent serves');
    assert.ok(await until(() => agentsOf(home.paths.home).length === 1));
    const after = await clientCall(['token'], { env: rig.env });
    tally.calls(after);
    assert.equal(after.via, 'agent');
    tally.note(`8 calls on the stale socket: all by the Node CLI; ${calls.filter((c) => c.startedAgent).length} started an agent (the marker), 1 agent serves (pid ${rig.pid()})`);
  });
});

test('agent/killed-mid-refresh: the agent SIGKILLed while its refresh request is at the issuer; the client falls back, one session, nothing lost', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome({ timings: { lockStaleMs: 2000 } });
  const rig = agentRig(env.home.env);
  t.after(async () => { rig.close(); await env.close(); });
  await fault({ id: 'agent/killed-mid-refresh', area: 'agent', fault: 'the agent SIGKILLed mid-refresh (its request at the issuer, not yet answered)', expected: 'its client falls back to the Node CLI and gets a token; 0 sessions lost; the lock heals', file: __filename }, async (tally) => {
    const pid = await rig.start();
    env.expire();
    env.issuer.resetStats();
    // The issuer holds the agent's refresh request (it never reaches the provider: the token stays unspent).
    env.issuer.setTokenEndpointFault({ kind: 'hang' }, 1);
    const victim = clientCall(['token'], { env: rig.env, startAgent: false });
    assert.ok(await until(() => env.issuer.stats().refreshRequests === 1), 'the agent sent its refresh request');
    process.kill(pid, 'SIGKILL');
    const result = await victim;
    tally.calls(result);
    assert.equal(result.via, 'node', 'the client fell back: no output had come through');
    assert.equal(result.code, 0, result.stderr);
    const stored = env.home.readSession()!;
    assert.equal(result.stdout, stored.accessToken + '\n');
    assert.equal(await env.issuer.isRefreshTokenUsable(stored.refreshToken), true, 'the session lives');
    assert.equal(env.issuer.stats().reuseDetections, 0);
    tally.note(`refresh requests: ${env.issuer.stats().refreshRequests} (the agent's hung one, then the fallback's after the stale period)`);
  });
});

test('agent/killed-after-answer: the agent SIGKILLed after the issuer rotated the token, before storing it: the inherent window, as for any process', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome({ timings: { lockStaleMs: 1000 } });
  const rig = agentRig(env.home.env);
  t.after(async () => { rig.close(); await env.close(); });
  await fault({ id: 'agent/killed-after-answer', area: 'agent', fault: 'the agent SIGKILLed mid-refresh, after the issuer answered, before the new tokens were stored', expected: 'the inherent crash window, exactly as for a CLI process (crash/kill-at-answered): that session is lost, its client exits 1 saying the agent stopped answering, the next call says "sign in"; nothing else lost', file: __filename }, async (tally) => {
    const pid = await rig.start();
    env.expire();
    env.issuer.resetStats();
    const victim = clientCall(['token'], { env: { ...rig.env, CREDSHARE_TEST_PAUSE_AT: 'answered' }, startAgent: false });
    assert.ok(await until(() => env.issuer.stats().refreshSuccesses === 1), 'the issuer rotated the token');
    await new Promise((resolve) => setTimeout(resolve, 200));
    process.kill(pid, 'SIGKILL');
    const result = await victim;
    tally.calls(result);
    // Its answer had begun (the fault hook's line on stderr): no second answer from the Node CLI.
    assert.deepEqual([result.via, result.code], ['agent', 1]);
    assert.match(result.stderr, /the credshare agent stopped answering/);
    const next = await clientCall(['token'], { env: rig.env, startAgent: false });
    tally.calls(next);
    assert.deepEqual([next.via, next.code], ['node', 3], next.stderr);
    assert.match(next.stderr, /sign in|Signed out/i);
    tally.sessionsLost += 1;
    tally.note('the same window and outcome as a CLI process killed at "answered" (docs/faults.md, "The crash window")');
  });
});

test('agent/stopped: an agent SIGSTOPped holding the refresh claim; clients fall back after their timeout, the waiting rules hold, one redemption', { timeout: 90_000 }, async (t) => {
  const env = await signedInHome({ timings: { lockStaleMs: 1000, lockTimeoutMs: 4000 } });
  const rig = agentRig(env.home.env);
  t.after(async () => { try { process.kill(rig.pid() ?? 0, 'SIGCONT'); } catch { /* gone */ } rig.close(); await env.close(); });
  await fault({ id: 'agent/stopped', area: 'agent', fault: 'the agent SIGSTOPped (a laptop asleep) mid-refresh, holding the claim, past the clients\' timeout', expected: 'clients fall back to the Node CLI; nobody presents the claimed token; after SIGCONT one refresh, 0 sessions lost', file: __filename }, async (tally) => {
    const pid = await rig.start();
    const before = env.home.readSession()!;
    env.expire();
    env.issuer.resetStats();
    // The victim request pauses the agent right before it presents the claimed token.
    const victim = clientCall(['token'], { env: { ...rig.env, CREDSHARE_TEST_PAUSE_AT: 'before-request' }, startAgent: false, acceptTimeoutMs: 2000, stallMs: 5000 });
    assert.ok(await until(() => fs.existsSync(path.join(env.home.paths.home, 'refresh-claims')) && fs.readdirSync(path.join(env.home.paths.home, 'refresh-claims')).some((f) => !f.startsWith('.'))), 'the agent claimed the token');
    process.kill(pid, 'SIGSTOP');
    // Stopped: connections queue, nothing answers; clients give up after 2 s and run the Node CLI.
    const waiters = await Promise.all(Array.from({ length: 3 }, () => clientCall(['token'], { env: rig.env, startAgent: false, acceptTimeoutMs: 2000, stallMs: 5000 })));
    tally.calls(...waiters);
    for (const w of waiters) {
      assert.equal(w.via, 'node');
      assert.match(w.fallback ?? '', /no answer within/);
      assert.equal(w.startedAgent, false, 'a stall starts no agent');
      // The waiting rules: a live (stopped) claimant is waited for, never overtaken.
      if (w.code !== 0) assert.match(w.stderr, /waiting for|process/i);
    }
    assert.equal(env.issuer.stats().refreshRequests, 0, 'nobody presented the claimed token');
    process.kill(pid, 'SIGCONT');
    process.kill(pid, 'SIGUSR2'); // ends the test pause
    const victimResult = await victim;
    tally.calls(victimResult);
    const after = await clientCall(['token'], { env: rig.env, startAgent: false });
    tally.calls(after);
    assert.equal(after.code, 0, after.stderr);
    assert.equal(env.issuer.stats().refreshRequests, 1, 'one refresh in all');
    assert.equal(env.issuer.stats().reuseDetections, 0);
    const stored = env.home.readSession()!;
    assert.notEqual(stored.refreshToken, before.refreshToken);
    assert.equal(await env.issuer.isRefreshTokenUsable(stored.refreshToken), true, 'the session lives');
    tally.note(`fallback calls while stopped: ${waiters.map((w) => w.code).join(', ')} (exit codes); the victim's: ${victimResult.code} via ${victimResult.via}`);
  });
});

test('agent/newer-build: an agent whose installation changed steps aside for a client of the new build; one of another installation does not', { timeout: 60_000 }, async (t) => {
  const home = makeHome();
  home.writeSession(fresh());
  const rig = agentRig(home.env);
  // The "old installation": a copy of the bundle and its build-id, which the test then upgrades.
  const old = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-old-install-'));
  fs.copyFileSync(cliPath, path.join(old, 'cli.js'));
  fs.copyFileSync(path.join(path.dirname(cliPath), 'build-id'), path.join(old, 'build-id'));
  t.after(() => { rig.close(); home.remove(); fs.rmSync(old, { recursive: true, force: true }); });
  await fault({ id: 'agent/newer-build', area: 'agent', fault: 'a newer credshare installed while an old agent runs', expected: 'the old agent answers F version (stepping aside) and exits; the call runs the new Node CLI and starts a new agent; another installation\'s client never evicts it', file: __filename }, async (tally) => {
    const started = await run(process.execPath, [path.join(old, 'cli.js'), 'agent', 'start', '--detach'], { env: rig.env });
    assert.equal(started.code, 0, started.stderr);
    const pid = rig.pid()!;
    const build = installedBuildId();
    // Same build: answered.
    const same = await clientCall(['token'], { env: rig.env, startAgent: false });
    tally.calls(same);
    assert.equal(same.via, 'agent');
    // Another installation's client (another build id), the agent's own files unchanged: F version, no stepping aside.
    const other = await clientCall(['token'], { env: rig.env, build: '0.0.1+000000000000' });
    tally.calls(other);
    assert.deepEqual([other.via, other.fallback, other.startedAgent, other.code], ['node', 'version', false, 0]);
    assert.ok(alive(pid), 'the agent stays');
    // Upgrade the agent's installation underneath it, then a client of the new build connects.
    fs.writeFileSync(path.join(old, 'build-id'), '9.9.9+999999999999\n');
    const upgraded = await clientCall(['token'], { env: rig.env, build: '9.9.9+999999999999' });
    tally.calls(upgraded);
    assert.deepEqual([upgraded.via, upgraded.fallback, upgraded.code], ['node', 'version', 0]);
    assert.equal(upgraded.startedAgent, true, 'the client starts an agent of its own build');
    assert.ok(await rig.exited(pid), 'the old agent exited');
    assert.ok(await until(() => rig.pid() !== undefined && rig.pid() !== pid), 'a new agent serves');
    const info = JSON.parse(fs.readFileSync(rig.paths.info, 'utf8'));
    assert.equal(info.build, build, 'the new agent is the installed build');
    tally.note(`old agent ${pid} stepped aside; new agent ${info.pid} (build ${info.build})`);
  });
});

test('agent/two-homes: two homes, two agents, each answering for its own home only', { timeout: 60_000 }, async (t) => {
  const [a, b] = [makeHome(), makeHome()];
  a.writeSession(sessionFixture({ accessToken: 'at-home-a', expiresAt: Date.now() + 3_600_000 }));
  b.writeSession(sessionFixture({ accessToken: 'at-home-b', expiresAt: Date.now() + 3_600_000 }));
  const rigA = agentRig(a.env);
  const envB = { ...b.env, XDG_RUNTIME_DIR: rigA.env.XDG_RUNTIME_DIR };
  t.after(() => { for (const pid of agentsOf(b.paths.home)) process.kill(pid, 'SIGKILL'); rigA.close(); a.remove(); b.remove(); });
  await fault({ id: 'agent/two-homes', area: 'agent', fault: 'two credshare homes used at once (two agents, one socket directory)', expected: 'each home\'s calls get that home\'s token from that home\'s agent; a request for another home is refused (F home)', file: __filename }, async (tally) => {
    await rigA.start();
    assert.equal((await runCli(['agent', 'start', '--detach'], envB)).code, 0);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => clientCall(['token'], { env: i % 2 ? envB : rigA.env, startAgent: false })));
    tally.calls(...answers);
    assert.deepEqual(answers.map((r) => [r.via, r.stdout]), answers.map((_, i) => ['agent', i % 2 ? 'at-home-b\n' : 'at-home-a\n']));
    // Home B's request sent to home A's socket: refused, nothing done.
    const crossed = await callAgent(rigA.paths.socket, { argv: ['token'], env: forwardedEnv(envB), cwd: '/', build: installedBuildId() });
    assert.equal(crossed.kind === 'fallback' && crossed.fallback.reason, 'home');
    assert.equal(agentsOf(a.paths.home).length, 1);
    assert.equal(agentsOf(b.paths.home).length, 1);
  });
});

test('agent/vscode-terminal: started from a VS Code terminal (Electron-as-Node, launcher PATH, window socket and nonce) and used from a plain shell: one agent, the same answers, no nonce in its environment', { timeout: 60_000 }, async (t) => {
  const scratch = makeHome();
  // The home where a plain shell finds it by default ($XDG_CONFIG_HOME/credshare); the terminal names it by CREDSHARE_HOME.
  const xdg = path.join(path.dirname(scratch.paths.home), 'xdg');
  const home = path.join(xdg, 'credshare');
  fs.mkdirSync(xdg, { mode: 0o700 });
  fs.renameSync(scratch.paths.home, home);
  const rig = agentRig({ ...scratch.env, CREDSHARE_HOME: home });
  fs.writeFileSync(path.join(home, 'credentials.json'), JSON.stringify({ version: 1, sessions: { default: fresh() } }), { mode: 0o600 });
  const window = await IpcServer.listen(async () => ({ accessToken: 'at-from-window', expiresAt: Date.now() + 3_600_000, scope: 'openid', account: { id: 'w', label: 'window' } }));
  t.after(() => { window.dispose(); rig.close(); scratch.remove(); });
  await fault({ id: 'agent/vscode-terminal', area: 'agent', fault: 'the agent started from a VS Code terminal (ELECTRON_RUN_AS_NODE, the launchers\' PATH, CREDSHARE_HOME, a SecretStorage window\'s socket and nonce), then called from a plain shell naming the home by default', expected: 'one agent serves both; each answer equals the Node CLI\'s in that environment; the nonce never in the agent\'s environment', file: __filename }, async (tally) => {
    const nonce = window.nonceFor('default');
    const terminal: NodeJS.ProcessEnv = {
      ...rig.env, ELECTRON_RUN_AS_NODE: '1', PATH: `/nonexistent/vscode-launchers:${process.env.PATH}`, CREDSHARE_PROFILE: 'default',
      CREDSHARE_IPC_HANDLE: window.handle, CREDSHARE_IPC_NONCE: nonce,
    };
    const shell: NodeJS.ProcessEnv = { ...rig.env, CREDSHARE_HOME: undefined, XDG_CONFIG_HOME: xdg };
    // The client in the terminal finds no agent: the Node CLI answers (asking the window) and an agent starts.
    const first = await clientCall(['token'], { env: terminal });
    tally.calls(first);
    assert.deepEqual([first.via, first.stdout, first.startedAgent], ['node', 'at-from-window\n', true]);
    assert.ok(await until(() => rig.pid() !== undefined && fs.existsSync(rig.paths.socket)), 'the agent serves');
    const pid = rig.pid()!;
    const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
    assert.ok(!environ.includes(nonce) && !environ.includes('CREDSHARE_IPC_'), 'no window socket or nonce in the agent\'s environment');
    assert.ok(environ.split('\0').includes(`CREDSHARE_HOME=${home}`));
    // In the terminal: the agent runs the CLI's code, which asks the window, as the Node CLI does.
    const inTerminal = await clientCall(['token'], { env: terminal, startAgent: false });
    const nodeInTerminal = await runCli(['token'], terminal);
    tally.calls(inTerminal);
    assert.deepEqual([inTerminal.via, inTerminal.code, inTerminal.stdout, inTerminal.stderr], ['agent', nodeInTerminal.code, nodeInTerminal.stdout, nodeInTerminal.stderr]);
    // The plain shell: the same socket, the same agent, the home's own token.
    assert.equal(agentPaths(shell).socket, rig.paths.socket);
    const inShell = await clientCall(['token'], { env: shell, startAgent: false });
    const nodeInShell = await runCli(['token'], shell);
    tally.calls(inShell);
    assert.deepEqual([inShell.via, inShell.code, inShell.stdout, inShell.stderr], ['agent', nodeInShell.code, nodeInShell.stdout, nodeInShell.stderr]);
    assert.equal(inShell.stdout, 'at-fresh\n');
    assert.deepEqual(agentsOf(home), [pid]);
  });
});

test('an agent exits when idle, when stopped, when its home is moved or removed, and when its socket is removed, cleaning up after itself', { timeout: 90_000 }, async (t) => {
  const home = makeHome();
  home.writeSession(fresh());
  const rig = agentRig(home.env);
  t.after(() => { rig.close(); home.remove(); });
  const gone = async (pid: number, what: string): Promise<void> => {
    assert.ok(await rig.exited(pid), `${what}: the agent exited`);
    assert.ok(!fs.existsSync(rig.paths.info), `${what}: its agent-<id>.json is gone`);
  };
  // Idle: --idle-timeout, then config.json's agentIdleTimeoutSeconds.
  let pid = await rig.start('--idle-timeout', '1');
  assert.equal((await clientCall(['token'], { env: rig.env, startAgent: false })).via, 'agent');
  await gone(pid, 'idle (--idle-timeout 1)');
  assert.ok(!fs.existsSync(rig.paths.socket), 'idle: its socket is removed');
  const config = JSON.parse(fs.readFileSync(home.paths.config, 'utf8'));
  fs.writeFileSync(home.paths.config, JSON.stringify({ ...config, agentIdleTimeoutSeconds: 1 }));
  await gone(await rig.start(), 'idle (agentIdleTimeoutSeconds 1)');
  fs.writeFileSync(home.paths.config, JSON.stringify({ ...config, agentIdleTimeoutSeconds: 'soon' }));
  const refused = await runCli(['agent', 'start'], rig.env);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /"agentIdleTimeoutSeconds" must be a number of seconds/);
  fs.writeFileSync(home.paths.config, JSON.stringify(config));
  // An idle timeout longer than a Node timer's longest delay (2^31-1 ms, ~24.8 days) still
  // means "not yet", not "at once".
  pid = await rig.start('--idle-timeout', '3000000');
  assert.equal((await clientCall(['token'], { env: rig.env, startAgent: false })).via, 'agent');
  await new Promise((r) => setTimeout(r, 1500));
  assert.doesNotThrow(() => process.kill(pid, 0), 'an idle timeout of 3000000 s: the agent still runs after the first request');
  await runCli(['agent', 'stop'], rig.env);
  await gone(pid, 'stop after a long idle timeout');
  // Stop: status says so before and after.
  pid = await rig.start();
  assert.match((await runCli(['agent', 'status'], rig.env)).stdout, new RegExp(`running \\(pid ${pid}\\)`));
  assert.match((await runCli(['status'], rig.env)).stdout, new RegExp(`Agent: +running \\(pid ${pid}, build `));
  assert.equal(JSON.parse((await runCli(['status', '--json'], rig.env)).stdout).agent.pid, pid);
  assert.match((await runCli(['doctor'], rig.env)).stdout, new RegExp(`Agent +running \\(pid ${pid}, build `));
  const stopped = await runCli(['agent', 'stop'], rig.env);
  assert.match(stopped.stdout, new RegExp(`stopped \\(pid ${pid}\\)`));
  await gone(pid, 'stop');
  assert.match((await runCli(['agent', 'status'], rig.env)).stdout, /not running/);
  assert.deepEqual(JSON.parse((await runCli(['agent', 'status', '--json'], rig.env)).stdout).running, false);
  // The home moved away, then removed.
  pid = await rig.start();
  const moved = `${home.paths.home}.moved`;
  fs.renameSync(home.paths.home, moved);
  await gone(pid, 'home moved');
  fs.renameSync(moved, home.paths.home);
  pid = await rig.start();
  const kept = `${home.paths.home}.kept`;
  fs.cpSync(home.paths.home, kept, { recursive: true });
  fs.rmSync(home.paths.home, { recursive: true });
  await gone(pid, 'home removed');
  fs.renameSync(kept, home.paths.home);
  // Its socket removed (a tmp cleaner, a logout wiping XDG_RUNTIME_DIR).
  pid = await rig.start();
  fs.rmSync(rig.paths.socket);
  await gone(pid, 'socket removed');
  // A home the CLI refuses: refused by the agent with the CLI's own message.
  fs.chmodSync(home.paths.home, 0o777);
  const [agentStart, token] = [await runCli(['agent', 'start'], rig.env), await runCli(['token'], rig.env)];
  fs.chmodSync(home.paths.home, 0o700);
  assert.equal(agentStart.code, 1);
  assert.equal(agentStart.stderr, token.stderr);
});
