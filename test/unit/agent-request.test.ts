// serveConnection (src/agent/request.ts) on a real Unix socket, with a handler that echoes
// its standard input: how standard input is taken (asked for with W, or sent unasked with
// the request) and what goes back, frame by frame. The real agent and native client:
// test/integration/agent-*.test.ts and native-*.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUILD_ID } from '../../src/cli/version';
import { encodeFrame, FrameReader, FrameType, PROTOCOL_VERSION, type Frame } from '../../src/agent/frames';
import { serveConnection } from '../../src/agent/request';

/** An agent whose command echoes its standard input (readsStdin), or answers without reading it. */
async function echoAgent(t: import('node:test').TestContext, readsStdin = true) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-request-'));
  const socketPath = path.join(dir, 'agent.sock');
  const served: net.Socket[] = [];
  const server = net.createServer((socket) => {
    served.push(socket);
    serveConnection(socket, {
      refuse: () => undefined,
      run: async (_request, io) => { io.stdout(readsStdin ? await io.readStdin() : 'no input read\n'); return 0; },
      started: () => {},
      finished: () => {},
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  t.after(() => { server.close(); fs.rmSync(dir, { recursive: true, force: true }); });
  return { socketPath, served };
}

/** Sends `bytes` at once and collects the agent's frames until X (or the end). */
function exchange(socketPath: string, bytes: Buffer, onFrame?: (frame: Frame, socket: net.Socket) => void): Promise<Frame[]> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath, () => socket.write(bytes));
    const reader = new FrameReader('agent');
    const frames: Frame[] = [];
    socket.on('data', (chunk) => {
      for (const frame of reader.push(chunk)) {
        frames.push(frame);
        onFrame?.(frame, socket);
        if (frame.type === FrameType.exit) socket.end();
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(frames));
  });
}

const request = (extra: Record<string, unknown> = {}): Buffer => encodeFrame(FrameType.request, Buffer.from(JSON.stringify({
  protocol: PROTOCOL_VERSION, build: BUILD_ID, argv: ['helper', '--protocol', 'git', 'get'], env: {}, cwd: '/', ...extra,
})));

test('stdin sent unasked (stdinFollows) is taken with the request: no W, the answer A, O, X; one timeout listener however many I frames', async (t) => {
  const agent = await echoAgent(t);
  const chunks = Array.from({ length: 20 }, (_, i) => encodeFrame(FrameType.stdin, Buffer.from(`line ${i}\n`)));
  const frames = await exchange(agent.socketPath, Buffer.concat([request({ stdinFollows: true }), ...chunks, encodeFrame(FrameType.stdinEnd)]));
  assert.deepEqual(frames.map((f) => f.type), ['A', 'O', 'X']);
  assert.equal(frames[1]!.payload.toString(), Array.from({ length: 20 }, (_, i) => `line ${i}\n`).join(''));
  assert.deepEqual(JSON.parse(frames[2]!.payload.toString()), { code: 0 });
  // socket.setTimeout(ms, callback) would have added a listener per I frame.
  assert.ok(agent.served[0]!.listenerCount('timeout') <= 1, `${agent.served[0]!.listenerCount('timeout')} timeout listeners`);
});

test('without stdinFollows, stdin only after W; input a command never asked for closes the connection without an answer', async (t) => {
  const agent = await echoAgent(t);
  const asked = await exchange(agent.socketPath, request(), (frame, socket) => {
    if (frame.type === FrameType.wantStdin) socket.write(Buffer.concat([encodeFrame(FrameType.stdin, Buffer.from('asked for\n')), encodeFrame(FrameType.stdinEnd)]));
  });
  assert.deepEqual(asked.map((f) => f.type), ['A', 'W', 'O', 'X']);
  assert.equal(asked[2]!.payload.toString(), 'asked for\n');
  const notReading = await echoAgent(t, false);
  const answered = await exchange(notReading.socketPath, request());
  assert.deepEqual(answered.map((f) => f.type), ['A', 'O', 'X']);
  const early = await exchange(notReading.socketPath, Buffer.concat([request(), encodeFrame(FrameType.stdin, Buffer.from('unasked\n'))]));
  assert.ok(!early.some((f) => f.type === FrameType.exit), `no answer: ${early.map((f) => f.type).join('')}`);
});

test('a request that is not a boolean stdinFollows is a bad request', async (t) => {
  const agent = await echoAgent(t);
  const frames = await exchange(agent.socketPath, request({ stdinFollows: 'yes' }));
  assert.deepEqual(frames.map((f) => f.type), ['F']);
  assert.equal(JSON.parse(frames[0]!.payload.toString()).reason, 'bad-request');
});
