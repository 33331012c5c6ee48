import * as net from 'node:net';
import { BUILD_ID } from '../cli/version';
import { FORWARDED_ENV, FrameReader, FrameType, PROTOCOL_VERSION, encodeFrame, jsonFrame, type Fallback } from './frames';

/** One call through the agent, as a client makes it. */
export interface AgentCall {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** The client's build id; this installation's by default. */
  build?: string;
  /** Standard input, sent only once the agent asks for it (`W`). */
  stdin?: Buffer | AsyncIterable<Buffer>;
  onStdout?: (bytes: Buffer) => void;
  onStderr?: (bytes: Buffer) => void;
  /** No `A`/`F` within this long: unavailable. */
  acceptTimeoutMs?: number;
  /** No frame at all for this long: unavailable. */
  stallMs?: number;
}

export type AgentOutcome =
  | { kind: 'exit'; code: number; pid: number; stdout: Buffer; stderr: Buffer }
  | { kind: 'fallback'; fallback: Fallback }
  /** No agent, or it stopped answering; `outputSeen`: some of its answer had already arrived. */
  | { kind: 'unavailable'; why: string; outputSeen: boolean; stdinSent: Buffer };

/** The environment a client forwards (docs/agent-protocol.md): these names, when set. */
export function forwardedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of FORWARDED_ENV) if (env[name] !== undefined) picked[name] = env[name]!;
  return picked;
}

/**
 * Makes one request of the agent listening on `socketPath` (the Node side of what the
 * native client does; `credshare agent status|stop` and the tests use it). Never throws:
 * every way of not getting an answer is an `unavailable` outcome, for the caller to fall
 * back on.
 */
export function callAgent(socketPath: string, call: AgentCall): Promise<AgentOutcome> {
  const acceptTimeoutMs = call.acceptTimeoutMs ?? 2_000;
  const stallMs = call.stallMs ?? 5_000;
  return new Promise((resolve) => {
    const socket = net.createConnection(socketPath);
    const reader = new FrameReader('agent');
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const sent: Buffer[] = [];
    let accepted: number | undefined;
    let outputSeen = false;
    let settled = false;
    let timer = setTimeout(() => unavailable(`no answer within ${acceptTimeoutMs} ms`), acceptTimeoutMs);
    const finish = (outcome: AgentOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const unavailable = (why: string): void => finish({ kind: 'unavailable', why, outputSeen, stdinSent: Buffer.concat(sent) });
    const sendStdin = async (): Promise<void> => {
      const input = call.stdin;
      try {
        if (Buffer.isBuffer(input)) {
          if (input.length) { socket.write(encodeFrame(FrameType.stdin, input)); sent.push(input); }
        } else if (input) {
          for await (const chunk of input) { if (settled) return; socket.write(encodeFrame(FrameType.stdin, chunk)); sent.push(chunk); }
        }
        if (!settled) socket.write(encodeFrame(FrameType.stdinEnd));
      } catch {
        if (!settled) socket.write(encodeFrame(FrameType.stdinEnd));
      }
    };
    socket.on('connect', () => {
      socket.write(jsonFrame(FrameType.request, { protocol: PROTOCOL_VERSION, build: call.build ?? BUILD_ID, argv: call.argv, env: call.env, cwd: call.cwd }));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => unavailable(error.code ?? error.message));
    socket.on('close', () => unavailable('the agent closed the connection without an exit code'));
    socket.on('data', (chunk: Buffer) => {
      let frames;
      try {
        frames = reader.push(chunk);
      } catch (error) {
        return unavailable((error as Error).message);
      }
      clearTimeout(timer);
      timer = setTimeout(() => unavailable(`the agent stopped answering for ${stallMs} ms`), stallMs);
      for (const frame of frames) {
        switch (frame.type) {
          case FrameType.accept: accepted = (JSON.parse(frame.payload.toString('utf8')) as { pid: number }).pid; break;
          case FrameType.fallback: return finish({ kind: 'fallback', fallback: JSON.parse(frame.payload.toString('utf8')) as Fallback });
          case FrameType.wantStdin: void sendStdin(); break;
          case FrameType.keepAlive: break;
          case FrameType.stdout: outputSeen = true; stdout.push(frame.payload); call.onStdout?.(frame.payload); break;
          case FrameType.stderr: outputSeen = true; stderr.push(frame.payload); call.onStderr?.(frame.payload); break;
          case FrameType.exit: {
            if (accepted === undefined) return unavailable('an exit code before the request was accepted');
            const { code } = JSON.parse(frame.payload.toString('utf8')) as { code: number };
            return finish({ kind: 'exit', code, pid: accepted, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) });
          }
        }
      }
    });
  });
}
