import type * as net from 'node:net';
import { PassThrough } from 'node:stream';
import type { CliIo } from '../cli/io';
import { BUILD_ID } from '../cli/version';
import { joinInput, readStream } from '../cli/stdin';
import { FORWARDED_ENV, FrameReader, FrameType, MAX_PAYLOAD, PROTOCOL_VERSION, ProtocolViolation, encodeFrame, jsonFrame, type AgentRequest, type Fallback } from './frames';

/** No complete `Q` within this long of connecting: the connection is closed. */
export const REQUEST_TIMEOUT_MS = 5_000;
/** After `W`, no standard input for this long: closed (cargo may pause between its requests). */
export const STDIN_IDLE_TIMEOUT_MS = 10 * 60_000;
const KEEP_ALIVE_MS = 1_000;
/** The longest `A` waits to go out with the command's first frame. */
const ACCEPT_HOLD_MS = 50;
const KEEP_ALIVE_FRAME = encodeFrame(FrameType.keepAlive);

/**
 * Requests in progress, sent `K` once a second by one timer shared by all of them: a
 * fresh-token request ends within one turn of the event loop and never needs a timer of
 * its own. The timer stops at its first tick with nothing in progress (not at the end of
 * each request: a tool calling the helper many times a second would start and stop it
 * every call), so an idle agent has no timer at all.
 */
const inProgress = new Set<() => void>();
let keepAliveTimer: NodeJS.Timeout | undefined;

function keepAlive(beat: () => void): () => void {
  inProgress.add(beat);
  keepAliveTimer ??= setInterval(() => {
    if (inProgress.size === 0) {
      clearInterval(keepAliveTimer);
      keepAliveTimer = undefined;
    }
    for (const b of inProgress) b();
  }, KEEP_ALIVE_MS);
  return () => { inProgress.delete(beat); };
}

/** What the agent decides about a request and how it runs it (src/agent/server.ts). */
export interface RequestHandler {
  /** `F` instead of `A`, or undefined to accept. */
  refuse(request: AgentRequest): Fallback | undefined;
  /** Runs an accepted request; resolves to its exit code. */
  run(request: AgentRequest, io: CliIo): Promise<number>;
  /** Accepted requests' start and end (in flight, idle timer, counters). */
  started(): void;
  finished(): void;
}

/**
 * Serves one connection (docs/agent-protocol.md): reads `Q`, answers `A` or `F`, runs the
 * command with this connection as its standard streams (stdin only once it reads it: `W`),
 * sends `K` every second meanwhile, then `X`. A client that breaks the protocol or the
 * limits is disconnected; one that goes away midway leaves the command to finish unheard
 * (a refresh under way is never abandoned halfway).
 */
export function serveConnection(socket: net.Socket, handler: RequestHandler): void {
  const reader = new FrameReader('client');
  let request: AgentRequest | undefined;
  // Standard input, once the command asked for it (W) or the client sent it unasked
  // (stdinFollows): held as chunks until the command reads it, a stream only when it
  // reads as one or before the end has arrived.
  let stdinWanted = false;
  const heldStdin: Buffer[] = [];
  let stdin: PassThrough | undefined;
  let stdinBytes = 0;
  let stdinEnded = false;
  // Frames written in one turn of the event loop go out in one write: a fresh-token answer
  // (A, O, X) is then one system call instead of three, which on a busy machine is most of
  // what a request costs the agent.
  let queued: Buffer[] = [];
  let acceptTimer: NodeJS.Timeout | undefined;
  let flushScheduled = false;
  const flush = (): void => {
    flushScheduled = false;
    clearTimeout(acceptTimer);
    const frames = queued;
    queued = [];
    if (frames.length && !socket.destroyed && socket.writable) socket.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
  };
  const send = (frame: Buffer): void => {
    queued.push(frame);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  };
  // `A` waits for the command's first frame (W, O, R or X), at most ACCEPT_HOLD_MS: a
  // fresh-token answer is then one write and one wake-up of the client instead of two,
  // and a longer request (a refresh) is still accepted long before the client's 2 s limit.
  const sendAccept = (frame: Buffer): void => {
    queued.push(frame);
    acceptTimer = setTimeout(flush, ACCEPT_HOLD_MS);
  };
  const finish = (): void => { flush(); socket.end(); };
  const drop = (): void => { clearTimeout(acceptTimer); socket.destroy(); stdin?.end(); };

  // One listener for the connection's life; setTimeout only re-arms it (a callback given
  // to each call would add a listener each time: one per stdin frame).
  socket.on('timeout', drop);
  socket.setTimeout(REQUEST_TIMEOUT_MS);
  socket.on('error', drop);
  // The client's side closed (half-close or gone): whatever reads stdin sees its end.
  const endOfInput = (): void => { if (stdinWanted && !stdinEnded) { stdinEnded = true; stdin?.end(); } };
  socket.on('end', () => { if (!request) drop(); else endOfInput(); });
  socket.on('close', endOfInput);
  socket.on('data', (chunk: Buffer) => {
    let frames;
    try {
      frames = reader.push(chunk);
    } catch (error) {
      if (error instanceof ProtocolViolation) return drop();
      throw error;
    }
    for (const frame of frames) {
      if (!request) {
        if (frame.type !== FrameType.request) return drop();
        request = parseRequest(frame.payload);
        if (!request) {
          send(jsonFrame(FrameType.fallback, { reason: 'bad-request', message: 'The request is not a credshare agent request (docs/agent-protocol.md).' } satisfies Fallback));
          return finish();
        }
        let fallback: Fallback | undefined;
        try {
          fallback = handler.refuse(request);
        } catch (error) {
          // Nothing about one request may take the agent down: the client runs the Node CLI.
          fallback = { reason: 'bad-request', message: `The agent could not take this request (${(error as Error)?.message ?? String(error)}).` };
        }
        if (fallback) {
          send(jsonFrame(FrameType.fallback, fallback));
          return finish();
        }
        socket.setTimeout(0);
        accept(request);
        continue;
      }
      // Standard input: only after W (or unasked, when Q said stdinFollows), never after E,
      // never more than MAX_PAYLOAD in all.
      if (frame.type === FrameType.request || !stdinWanted || stdinEnded) return drop();
      if (frame.type === FrameType.stdinEnd) {
        stdinEnded = true;
        stdin?.end();
        socket.setTimeout(0);
        continue;
      }
      stdinBytes += frame.payload.length;
      if (stdinBytes > MAX_PAYLOAD) return drop();
      socket.setTimeout(STDIN_IDLE_TIMEOUT_MS);
      if (stdin) stdin.write(frame.payload);
      else heldStdin.push(frame.payload);
    }
  });

  function accept(accepted: AgentRequest): void {
    sendAccept(jsonFrame(FrameType.accept, { protocol: PROTOCOL_VERSION, build: BUILD_ID, pid: process.pid }));
    handler.started();
    const stopKeepAlive = keepAlive(() => send(KEEP_ALIVE_FRAME));
    const wantStdin = (): void => {
      if (stdinWanted) return;
      stdinWanted = true;
      socket.setTimeout(STDIN_IDLE_TIMEOUT_MS);
      if (socket.destroyed) stdinEnded = true;
    };
    // Sent unasked: taken as it comes, and no W (whatever the command leaves unread is dropped).
    if (accepted.stdinFollows) wantStdin();
    const askForStdin = (): void => {
      if (!stdinWanted) send(encodeFrame(FrameType.wantStdin));
      wantStdin();
    };
    const stdinStream = (): PassThrough => {
      askForStdin();
      if (!stdin) {
        stdin = new PassThrough();
        for (const chunk of heldStdin.splice(0)) stdin.write(chunk);
        if (stdinEnded) stdin.end();
      }
      return stdin;
    };
    // All of it is here already (sent with the request, as a helper's is): no stream.
    const readAllStdin = async (limit?: number): Promise<string> => {
      askForStdin();
      return stdinEnded && !stdin ? joinInput(heldStdin.splice(0), limit) : readStream(stdinStream(), limit);
    };
    const io: CliIo = {
      env: accepted.env,
      cwd: accepted.cwd,
      stdout: (text) => sendOutput(FrameType.stdout, text),
      stderr: (text) => sendOutput(FrameType.stderr, text),
      readStdin: readAllStdin,
      stdinStream,
      stdinIsTerminal: false,
      interactive: false,
    };
    handler.run(accepted, io).then((code) => code, () => 1).then((code) => {
      stopKeepAlive();
      send(jsonFrame(FrameType.exit, { code }));
      finish();
      handler.finished();
    });
  }

  function sendOutput(type: string, text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    for (let offset = 0; offset < bytes.length; offset += MAX_PAYLOAD) send(encodeFrame(type, bytes.subarray(offset, offset + MAX_PAYLOAD)));
  }
}

/** The `Q` payload, checked field by field; its env reduced to the forwarded names. */
function parseRequest(payload: Buffer): AgentRequest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const q = value as Record<string, unknown>;
  if (typeof q.protocol !== 'number' || typeof q.build !== 'string' || typeof q.cwd !== 'string' || !q.cwd.startsWith('/')) return undefined;
  if (!Array.isArray(q.argv) || !q.argv.every((a) => typeof a === 'string')) return undefined;
  if (typeof q.env !== 'object' || q.env === null || Array.isArray(q.env)) return undefined;
  if (q.stdinFollows !== undefined && typeof q.stdinFollows !== 'boolean') return undefined;
  const given = q.env as Record<string, unknown>;
  const env: Record<string, string> = {};
  for (const name of FORWARDED_ENV) {
    const v = given[name];
    if (typeof v === 'string') env[name] = v;
    else if (v !== undefined) return undefined;
  }
  return { protocol: q.protocol, build: q.build, argv: q.argv as string[], env, cwd: q.cwd, stdinFollows: q.stdinFollows === true };
}
