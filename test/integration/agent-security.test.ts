// The agent's socket and its limits (issue 18, item 5; docs/security.md, "The agent"): a
// socket directory anyone else could have made or entered is refused by agent and client;
// oversized frames or input, unknown frames and silent connections are cut off without an
// answer; no token is ever in the agent's argv or environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { FORWARDED_ENV, FrameType, MAX_PAYLOAD, encodeFrame, jsonFrame } from '../../src/agent/frames';
import { forwardedEnv } from '../../src/agent/client';
import { clientCall, installedBuildId } from '../support/agent-client';
import { agentRig } from '../support/agent-rig';
import { fault } from '../support/fault-report';
import { signedInHome } from '../support/issuer-home';
import { makeHome, sessionFixture } from '../support/home';
import { runCli } from '../support/processes';

/** Writes raw bytes to the socket; resolves with what came back and how long until the agent closed. */
function raw(socketPath: string, write: (socket: net.Socket) => void, timeoutMs = 20_000): Promise<{ received: Buffer; closedAfterMs: number | undefined }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.createConnection(socketPath, () => write(socket));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => { socket.destroy(); resolve({ received: Buffer.concat(chunks), closedAfterMs: undefined }); }, timeoutMs);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => {});
    socket.on('close', () => { clearTimeout(timer); resolve({ received: Buffer.concat(chunks), closedAfterMs: Date.now() - started }); });
  });
}

test('agent/socket-directory: a socket directory of another owner or open to others is refused by the agent and by the client, which runs the Node CLI', { timeout: 60_000 }, async (t) => {
  const home = makeHome();
  home.writeSession(sessionFixture({ accessToken: 'at-fresh', expiresAt: Date.now() + 3_600_000 }));
  const rig = agentRig(home.env);
  t.after(() => { rig.close(); home.remove(); });
  await fault({ id: 'agent/socket-directory', area: 'agent', fault: 'the agent\'s socket directory open to others (0755) or owned by another user', expected: 'agent start refuses (exit 1, naming the directory); calls run the Node CLI and succeed; no socket is made there', file: __filename }, async (tally) => {
    for (const [label, spoil] of [['mode 0755', () => fs.chmodSync(rig.paths.dir, 0o755)], ['owned by uid 65534', () => fs.chownSync(rig.paths.dir, 65534, 65534)]] as const) {
      fs.mkdirSync(rig.paths.dir, { recursive: true, mode: 0o700 });
      spoil();
      const start = await runCli(['agent', 'start'], rig.env);
      assert.equal(start.code, 1, label);
      assert.match(start.stderr, new RegExp(`${rig.paths.dir}.*(other users|another user)`), label);
      const call = await clientCall(['token'], { env: rig.env });
      tally.calls(call);
      assert.deepEqual([call.via, call.code, call.stdout, call.startedAgent], ['node', 0, 'at-fresh\n', false], label);
      assert.match(call.fallback ?? '', /directory refused/);
      assert.deepEqual(fs.readdirSync(rig.paths.dir), [], `${label}: nothing made there`);
      fs.rmSync(rig.paths.dir, { recursive: true });
    }
  });
});

test('agent/limits: oversized frames, too much input, unknown frames and silent connections are closed without an answer; the agent goes on serving', { timeout: 60_000 }, async (t) => {
  const home = makeHome();
  home.writeSession(sessionFixture({ accessToken: 'at-fresh', expiresAt: Date.now() + 3_600_000 }));
  const rig = agentRig(home.env);
  t.after(() => { rig.close(); home.remove(); });
  await fault({ id: 'agent/limits', area: 'agent', fault: 'a client sending a frame over 1 MiB, over 1 MiB of standard input, an unknown frame type, a bad request, or nothing at all', expected: 'the connection is closed (the bad request: F bad-request), nothing is run; the next request is answered', file: __filename }, async (tally) => {
    await rig.start();
    const request = (argv: string[]) => jsonFrame(FrameType.request, { protocol: 1, build: installedBuildId(), argv, env: { ...forwardedEnv(rig.env) }, cwd: '/' });
    const oversized = Buffer.alloc(5);
    oversized.write('Q', 0, 'latin1');
    oversized.writeUInt32BE(MAX_PAYLOAD + 1, 1);
    const cases: [string, (s: net.Socket) => void][] = [
      ['a frame over 1 MiB', (s) => s.write(oversized)],
      ['an unknown frame type', (s) => s.write(encodeFrame('Z', 'x'))],
      ['stdin before the request', (s) => s.write(encodeFrame(FrameType.stdin, 'x'))],
      ['over 1 MiB of standard input', (s) => {
        s.write(request(['--cargo-plugin']));
        s.on('data', (d: Buffer) => {
          if (!d.includes(Buffer.from(FrameType.wantStdin))) return;
          const chunk = Buffer.alloc(64 * 1024, 0x61);
          for (let sent = 0; sent <= MAX_PAYLOAD; sent += chunk.length) s.write(encodeFrame(FrameType.stdin, chunk));
        });
      }],
      ['nothing at all', () => {}],
    ];
    for (const [label, write] of cases) {
      const { received, closedAfterMs } = await raw(rig.paths.socket, write);
      tally.tries++;
      assert.notEqual(closedAfterMs, undefined, `${label}: closed`);
      assert.ok(!received.includes(Buffer.from('"code"')), `${label}: no exit code (nothing answered)`);
      if (label === 'nothing at all') tally.note(`a silent connection closed after ${closedAfterMs} ms`);
    }
    // A request of the wrong shape (an env value that is not a string): F bad-request.
    const bad = await raw(rig.paths.socket, (s) => s.write(jsonFrame(FrameType.request, { protocol: 1, build: installedBuildId(), argv: ['token'], env: { HOME: 1 }, cwd: '/' })));
    assert.match(bad.received.toString('latin1'), /bad-request/);
    const after = await clientCall(['token'], { env: rig.env, startAgent: false });
    tally.calls(after);
    assert.deepEqual([after.via, after.stdout], ['agent', 'at-fresh\n']);
  });
});

test('no token in the agent\'s argv or environment, after a refresh it served; the client forwards only the documented variables', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome();
  const rig = agentRig(env.home.env);
  t.after(async () => { rig.close(); await env.close(); });
  const pid = await rig.start();
  env.expire();
  const served = await clientCall(['token'], { env: rig.env, startAgent: false });
  assert.equal(served.via, 'agent');
  const session = env.home.readSession()!;
  for (const file of ['cmdline', 'environ']) {
    const text = fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
    for (const secret of [session.accessToken, session.refreshToken]) assert.ok(!text.includes(secret), `no token in /proc/${pid}/${file}`);
  }
  assert.deepEqual(Object.keys(forwardedEnv({ ...process.env, SECRET_THING: 'x', ...rig.env })).filter((k) => !(FORWARDED_ENV as readonly string[]).includes(k)), []);
});
