// A STAND-IN for `credshare agent`, for the native client's tests only: it speaks the
// agent protocol (docs/agent-protocol.md) on a Unix socket with a scripted behaviour, so
// that a test can make the client meet what a real agent does only by accident (output
// then silence, an accept then a hang up, an unknown frame). Tests of what credshare
// answers run against the real agent; this one answers no credential question.
//
//   [FAKE_BACKLOG=N] node test/support/fake-agent.mjs SOCKET BEHAVIOUR
//
// Prints "listening" once the socket is there. Every request is appended, as one JSON
// line, to SOCKET.requests (argv, env, cwd, build, and the stdin it got).
import * as fs from 'node:fs';
import * as net from 'node:net';

const [socket, behaviour] = process.argv.slice(2);

function frame(type, payload = Buffer.alloc(0)) {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

function frames(conn, onFrame) {
  let pending = Buffer.alloc(0);
  conn.on('data', (data) => {
    pending = Buffer.concat([pending, data]);
    while (pending.length >= 5) {
      const size = pending.readUInt32BE(1);
      if (pending.length < 5 + size) break;
      onFrame(String.fromCharCode(pending[0]), pending.subarray(5, 5 + size));
      pending = pending.subarray(5 + size);
    }
  });
}

const behaviours = {
  // Accepts, writes "answered by the stand-in\n" and exit 0.
  answer: (conn) => { conn.write(frame('A', '{"protocol":1,"build":"x","pid":1}')); conn.write(frame('O', 'answered by the stand-in\n')); conn.end(frame('X', '{"code":0}')); },
  // Accepts, then asks for stdin (W) and echoes each I frame back as stdout until E,
  // then exit 7: a conversation like cargo's.
  echo: (conn, request, on) => {
    conn.write(frame('A', '{"protocol":1,"build":"x","pid":1}'));
    conn.write(frame('W'));
    on((type, payload) => {
      if (type === 'I') conn.write(frame('O', payload));
      if (type === 'E') conn.end(frame('X', '{"code":7}'));
    });
  },
  // Another build, stepping aside / not stepping aside.
  'version-aside': (conn) => conn.end(frame('F', '{"reason":"version","message":"another build","agentBuild":"y","steppingAside":true}')),
  'version-stays': (conn) => conn.end(frame('F', '{"reason":"version","message":"another build","agentBuild":"y","steppingAside":false}')),
  unsupported: (conn) => conn.end(frame('F', '{"reason":"unsupported","message":"not served"}')),
  // Accepts, asks for stdin, reads the first chunk, then hangs up: the client must replay it to the Node CLI.
  'hang-up-after-stdin': (conn, request, on) => {
    conn.write(frame('A', '{"protocol":1,"build":"x","pid":1}'));
    conn.write(frame('W'));
    on((type) => { if (type === 'I' || type === 'E') conn.destroy(); });
  },
  // Accepts, then says nothing more (no keep-alive): a frozen agent.
  'silent-after-accept': (conn) => conn.write(frame('A', '{"protocol":1,"build":"x","pid":1}')),
  // Accepts, writes part of an answer, then falls silent.
  'silent-after-output': (conn) => { conn.write(frame('A', '{"protocol":1,"build":"x","pid":1}')); conn.write(frame('O', 'half an answer')); },
  // Accepts, then sends keep-alives for 6.5 s (past the client's 5 s stall limit) and answers.
  'slow-with-keepalive': (conn) => {
    conn.write(frame('A', '{"protocol":1,"build":"x","pid":1}'));
    const timer = setInterval(() => conn.write(frame('K')), 1000);
    setTimeout(() => { clearInterval(timer); conn.write(frame('O', 'answered after 6.5 s\n')); conn.end(frame('X', '{"code":0}')); }, 6500);
  },
  // The answer a byte at a time (every frame split across reads), two O frames and an R,
  // then an exit frame with nested values, escapes and a lone surrogate around its code: 3.
  trickle: (conn) => {
    const answer = Buffer.concat([
      frame('A', '{"protocol":1,"build":"x","pid":1}'), frame('O', 'one '), frame('K'), frame('O', 'two\n'), frame('R', 'a note\n'),
      frame('X', '{ "extra": {"nested": ["a", "}", {"b": null}]}, "s": "\\u00e9\\ud800\\n", "code" : 3 }'),
    ]);
    let at = 0;
    const timer = setInterval(() => { conn.write(answer.subarray(at, at + 1)); at += 1; if (at >= answer.length) { clearInterval(timer); conn.end(); } }, 1);
  },
  // The largest answer a frame can carry: 1 MiB of stdout, exit 0.
  'largest-answer': (conn) => { conn.write(frame('A', '{"protocol":1,"build":"x","pid":1}')); conn.write(frame('O', Buffer.alloc(1 << 20, 'x'))); conn.end(frame('X', '{"code":0}')); },
  // After the accept, a frame header announcing 2 MiB.
  oversized: (conn) => { conn.write(frame('A', '{"protocol":1,"build":"x","pid":1}')); const head = Buffer.alloc(5); head.write('O', 0, 'latin1'); head.writeUInt32BE(2 << 20, 1); conn.write(head); },
  // After the accept, a frame of a type the protocol does not have.
  'unknown-frame': (conn) => { conn.write(frame('A', '{"protocol":1,"build":"x","pid":1}')); conn.write(frame('Z', 'zzz')); },
  // Output, then an exit frame whose code is not a number.
  'bad-exit': (conn) => { conn.write(frame('A', '{"protocol":1,"build":"x","pid":1}')); conn.write(frame('O', 'partial')); conn.end(frame('X', '{"code":"x"}')); },
  // Never reads the request at all (as a SIGSTOPped agent, without stopping this process).
  'never-reads': (conn) => conn.pause(),
};

const handle = behaviours[behaviour];
if (!handle) throw new Error(`unknown behaviour ${behaviour}`);
fs.rmSync(socket, { force: true });
const server = net.createServer((conn) => {
  conn.on('error', () => {});
  let request;
  const listeners = [];
  let stdin = '';
  frames(conn, (type, payload) => {
    if (type === 'Q' && !request) {
      request = JSON.parse(payload.toString('utf8'));
      fs.appendFileSync(`${socket}.requests`, JSON.stringify(request) + '\n');
      handle(conn, request, (listener) => listeners.push(listener));
      return;
    }
    if (type === 'I') stdin += payload.toString('utf8');
    if (type === 'E') fs.appendFileSync(`${socket}.requests`, JSON.stringify({ stdin }) + '\n');
    for (const listener of listeners) listener(type, payload);
  });
});
// FAKE_BACKLOG: a small listen backlog, so that a stopped stand-in's queue fills up.
server.listen({ path: socket, backlog: Number(process.env.FAKE_BACKLOG) || 511 }, () => {
  fs.chmodSync(socket, 0o600);
  process.stdout.write('listening\n');
});
process.on('SIGTERM', () => { server.close(); process.exit(0); });
