/**
 * The agent protocol's framing (docs/agent-protocol.md, "Framing"): 1 byte type, 4 bytes
 * big-endian payload length, the payload. Shared by the agent and its Node clients
 * (`credshare agent status|stop`, the tests); the native client implements the same.
 */

export const PROTOCOL_VERSION = 1;

/** The largest payload of one frame, and of a request's standard input in total. */
export const MAX_PAYLOAD = 1024 * 1024;

export const FrameType = {
  request: 'Q', stdin: 'I', stdinEnd: 'E',
  accept: 'A', fallback: 'F', wantStdin: 'W', keepAlive: 'K', stdout: 'O', stderr: 'R', exit: 'X',
} as const;

const CLIENT_TYPES = new Set<string>([FrameType.request, FrameType.stdin, FrameType.stdinEnd]);
const AGENT_TYPES = new Set<string>([FrameType.accept, FrameType.fallback, FrameType.wantStdin, FrameType.keepAlive, FrameType.stdout, FrameType.stderr, FrameType.exit]);

export interface Frame {
  type: string;
  payload: Buffer;
}

/** The request (`Q`) a client sends first. */
export interface AgentRequest {
  protocol: number;
  build: string;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /**
   * The client sends standard input unasked, right after `Q` (`I` frames, then `E`): it
   * does so only for commands that read all of it (docs/agent-protocol.md), which saves the
   * round trip of `W` on every helper call.
   */
  stdinFollows: boolean;
}

/** Why the agent will not answer a request (`F`); the client then runs the Node CLI. */
export type FallbackReason = 'unsupported' | 'version' | 'protocol' | 'home' | 'stopping' | 'bad-request';

export interface Fallback {
  reason: FallbackReason;
  message: string;
  agentBuild?: string;
  steppingAside?: boolean;
}

/** The environment variables a client forwards, and the only ones a request's CLI code sees. */
export const FORWARDED_ENV = [
  'CREDSHARE_HOME', 'CREDSHARE_PROFILE', 'XDG_CONFIG_HOME', 'HOME', 'KUBERNETES_EXEC_INFO', 'CREDSHARE_DEBUG',
  'CREDSHARE_IPC_HANDLE', 'CREDSHARE_IPC_NONCE', 'CREDSHARE_UNSAFE_NO_COORDINATION', 'CREDSHARE_TEST_PAUSE_AT',
] as const;

export function encodeFrame(type: string, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const frame = Buffer.allocUnsafe(5 + body.length);
  frame.write(type, 0, 1, 'latin1');
  frame.writeUInt32BE(body.length, 1);
  body.copy(frame, 5);
  return frame;
}

export function jsonFrame(type: string, value: unknown): Buffer {
  return encodeFrame(type, JSON.stringify(value));
}

/** A frame that breaks the protocol: the connection is closed. */
export class ProtocolViolation extends Error {}

/**
 * Splits a byte stream into frames. `from` says whose frames it reads, so that a type the
 * other side never sends is refused as early as an oversized length.
 */
export class FrameReader {
  private buffered: Buffer[] = [];
  private size = 0;
  private readonly types: Set<string>;

  constructor(from: 'client' | 'agent') {
    this.types = from === 'client' ? CLIENT_TYPES : AGENT_TYPES;
  }

  /** Adds bytes; returns the frames they complete. Throws ProtocolViolation. */
  push(chunk: Buffer): Frame[] {
    this.buffered.push(chunk);
    this.size += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.size < 5) return frames;
      const head = this.peek(5);
      const type = String.fromCharCode(head[0]!);
      if (!this.types.has(type)) throw new ProtocolViolation(`unknown frame type ${JSON.stringify(type)}`);
      const length = head.readUInt32BE(1);
      if (length > MAX_PAYLOAD) throw new ProtocolViolation(`a ${type} frame of ${length} bytes (the limit is ${MAX_PAYLOAD})`);
      if (this.size < 5 + length) return frames;
      const all = this.take(5 + length);
      frames.push({ type, payload: all.subarray(5) });
    }
  }

  private peek(bytes: number): Buffer {
    if (this.buffered[0]!.length < bytes) this.buffered = [Buffer.concat(this.buffered)];
    return this.buffered[0]!;
  }

  private take(bytes: number): Buffer {
    const all = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
    const taken = all.subarray(0, bytes);
    const rest = all.subarray(bytes);
    this.buffered = rest.length ? [rest] : [];
    this.size = rest.length;
    return taken;
  }
}
