import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as lockfile from 'proper-lockfile';
import { StoreError, errnoCode } from '../core/errors';
import type { AgentPaths } from './socket-path';

/** Connections the agent holds at once; more are closed at once (the clients run the Node CLI). */
export const MAX_CONNECTIONS = 4096;

export interface BoundSocket {
  server: net.Server;
  /** The socket file's identity, to tell it from a successor's. */
  dev: number;
  ino: number;
}

/**
 * Binds the agent's socket so that it never takes a live agent's place, and replaces a
 * dead one's exactly once however many agents start at the same moment:
 *
 * 1. listen on a private name (`.agent-<id>.<pid>.sock`), mode 0600;
 * 2. under `agent-<id>.lock` (proper-lockfile), connect to `agent-<id>.sock`: an answer
 *    means a live agent (a stopped one too: the kernel still queues connections), so this
 *    one gives up; no listener (refused, missing) means it may take the name;
 * 3. rename its socket onto the name (atomic: a client sees the old file or the new one).
 *
 * Node removes a Unix socket's path when its server closes; the path it knows is the
 * private name, long renamed away, so closing never removes a successor's socket.
 * Resolves to undefined when a live agent already serves the socket.
 */
export async function bindAgentSocket(paths: AgentPaths, onConnection: (socket: net.Socket) => void): Promise<BoundSocket | undefined> {
  const temp = path.join(paths.dir, `.agent-${paths.id}.${process.pid}.sock`);
  fs.rmSync(temp, { force: true });
  const server = net.createServer({ allowHalfOpen: true }, onConnection);
  server.maxConnections = MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ path: temp, backlog: MAX_CONNECTIONS }, () => { server.off('error', reject); resolve(); });
  });
  try {
    fs.chmodSync(temp, 0o600);
    const bound = await withStartLock(paths, async () => {
      if (await someoneListens(paths.socket)) return undefined;
      fs.renameSync(temp, paths.socket);
      const stat = fs.lstatSync(paths.socket);
      return { server, dev: stat.dev, ino: stat.ino };
    });
    if (!bound) server.close();
    return bound;
  } catch (error) {
    server.close();
    throw error;
  }
}

/** Removes the socket if it is still this agent's (a successor may have taken the name). */
export async function unbindAgentSocket(paths: AgentPaths, bound: BoundSocket): Promise<void> {
  await withStartLock(paths, async () => {
    const stat = fs.lstatSync(paths.socket, { throwIfNoEntry: false });
    if (stat && stat.dev === bound.dev && stat.ino === bound.ino) fs.rmSync(paths.socket, { force: true });
  });
}

/** Whether the socket file is still this agent's. */
export function stillOurs(paths: AgentPaths, bound: BoundSocket): boolean {
  try {
    const stat = fs.lstatSync(paths.socket, { throwIfNoEntry: false });
    return !!stat && stat.dev === bound.dev && stat.ino === bound.ino;
  } catch {
    return false;
  }
}

/** Whether a process listens on the socket: connected (or its queue is full), or not. */
export function someoneListens(socketPath: string, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = net.createConnection(socketPath);
    const done = (answer: boolean | Error): void => {
      probe.destroy();
      clearTimeout(timer);
      if (answer instanceof Error) reject(answer); else resolve(answer);
    };
    // Connected but silent for this long: something listens (a stopped agent's queue accepts).
    const timer = setTimeout(() => done(true), timeoutMs);
    probe.on('connect', () => done(true));
    probe.on('error', (error) => {
      const code = errnoCode(error);
      if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'ENOTSOCK') done(false);
      else if (code === 'EAGAIN') done(true);
      else done(new StoreError(socketPath, `cannot be reached (${code ?? String(error)})`, 'Remove it, or set XDG_RUNTIME_DIR to a private directory of yours.', { cause: error }));
    });
  });
}

/** Runs `work` holding `agent-<id>.lock`: only one agent binds or unbinds a home's socket at a time. */
async function withStartLock<T>(paths: AgentPaths, work: () => Promise<T>): Promise<T> {
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(paths.socket, {
      lockfilePath: paths.lock,
      realpath: false,
      stale: 10_000,
      update: 2_000,
      retries: { retries: 100, factor: 1.2, minTimeout: 10, maxTimeout: 200 },
      onCompromised: () => {},
    });
  } catch (error) {
    throw new StoreError(paths.lock, `cannot be taken (${errnoCode(error) ?? String(error)})`, 'Another credshare agent is starting or stopping for this home; try again.', { cause: error });
  }
  try {
    return await work();
  } finally {
    await release().catch(() => {});
  }
}
