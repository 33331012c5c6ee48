import * as fs from 'node:fs';
import type * as net from 'node:net';
import { runCli } from '../cli/main';
import { BUILD_ID, VERSION } from '../cli/version';
import { ConfigError, StoreError } from '../core/errors';
import { resolveHome, type HomePaths } from '../core/paths';
import { checkHome, writePrivateFileAtomic } from '../core/private-files';
import { loadConfig, type Config } from '../core/profile';
import { bindAgentSocket, stillOurs, unbindAgentSocket, type BoundSocket } from './bind';
import { PROTOCOL_VERSION, type AgentRequest, type Fallback } from './frames';
import { HomeState } from './home-state';
import { installationChanged } from './installation';
import { serveConnection } from './request';
import { setServingAgent, type AgentStatus } from './serving';
import { agentPaths, checkSocketDirectory, type AgentPaths } from './socket-path';

export const DEFAULT_IDLE_TIMEOUT_SECONDS = 15 * 60;
/** How long a stopping agent lets requests in flight finish before it closes them. */
const DRAIN_LIMIT_MS = 120_000;

export interface AgentOptions {
  /** The agent's own environment: it names the home (and the socket directory). */
  env: NodeJS.ProcessEnv;
  /** `--idle-timeout`; else config.json's `agentIdleTimeoutSeconds`; else 15 minutes. */
  idleTimeoutSeconds?: number;
  /** One line per event (start, stop and why); the foreground agent writes them to stderr. */
  log: (line: string) => void;
}

/** How `runAgent` ended before serving: another agent serves the home already. */
export interface AlreadyRunning {
  running: true;
  pid?: number;
  socket: string;
}

/** Starts an agent; resolves when it is serving, to the agent (whose `exited` says when it is done) or to the one already there. */
export async function startAgent(options: AgentOptions): Promise<Agent | AlreadyRunning> {
  if (process.platform === 'win32') throw new StoreError('credshare agent', 'does not run on Windows yet', 'Nothing to do: every call runs the Node CLI, as before.');
  const homePaths = resolveHome(options.env);
  const config = loadConfig(homePaths); // the CLI's home checks and config.json's, with its messages
  const homeStat = fs.lstatSync(homePaths.home, { throwIfNoEntry: false });
  if (!homeStat) {
    throw new StoreError(homePaths.home, 'does not exist', 'There is nothing for an agent to serve yet: sign in first (`credshare login`); calls run without the agent meanwhile.');
  }
  const paths = agentPaths(options.env);
  checkSocketDirectory(paths.dir, true);
  const agent = new Agent(options, homePaths, paths, homeStat, options.idleTimeoutSeconds ?? idleTimeoutOf(config, homePaths) ?? DEFAULT_IDLE_TIMEOUT_SECONDS);
  const bound = await bindAgentSocket(paths, (socket) => agent.connection(socket));
  if (!bound) return { running: true, pid: readAgentInfo(paths)?.pid, socket: paths.socket };
  agent.serve(bound);
  return agent;
}

/** The longest delay a Node timer takes. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** `agentIdleTimeoutSeconds` in config.json (top level), checked. */
export function idleTimeoutOf(config: Config, paths: HomePaths): number | undefined {
  const value = config.raw.agentIdleTimeoutSeconds;
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(`${paths.config}: "agentIdleTimeoutSeconds" must be a number of seconds (0: the agent never exits for being idle). Fix the file.`);
  }
  return value;
}

/** The agent's `agent-<id>.json`, if it is readable. */
export function readAgentInfo(paths: AgentPaths): { pid: number; build: string; started: number } | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(paths.info, 'utf8')) as { pid?: unknown; build?: unknown; started?: unknown };
    return typeof info.pid === 'number' ? { pid: info.pid, build: String(info.build ?? ''), started: Number(info.started ?? 0) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One agent (docs/agent-protocol.md, "Agent rules"): serves its socket, counts, exits when
 * idle, stopped, stepping aside for a newer installation, or when its home or socket goes.
 */
export class Agent {
  readonly exited: Promise<string>;
  private exit!: (reason: string) => void;
  private readonly state: HomeState;
  private readonly startedAt = Date.now();
  private bound: BoundSocket | undefined;
  private stopping = false;
  private inFlight = 0;
  private served = 0;
  private fallbacks = 0;
  private lastRequestAt: number | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly watchers: fs.FSWatcher[] = [];
  private drained: (() => void) | undefined;
  /** The home's `mode:uid` that `checkHome` last accepted. */
  private homeAccepted = '';

  constructor(
    private readonly options: AgentOptions,
    private readonly homePaths: HomePaths,
    readonly paths: AgentPaths,
    private readonly homeStat: fs.Stats,
    private idleTimeoutSeconds: number,
  ) {
    this.state = new HomeState(homePaths);
    this.exited = new Promise((resolve) => { this.exit = resolve; });
  }

  serve(bound: BoundSocket): void {
    this.bound = bound;
    writePrivateFileAtomic(this.paths.info, JSON.stringify({
      pid: process.pid, build: BUILD_ID, version: VERSION, home: this.homePaths.home, started: this.startedAt, idleTimeoutSeconds: this.idleTimeoutSeconds,
    }) + '\n');
    setServingAgent({ status: () => this.status(), stop: (reason) => { void this.stop(reason); } });
    this.watch();
    this.armIdleTimer();
    this.options.log(`credshare agent: serving ${this.homePaths.home} on ${this.paths.socket} (pid ${process.pid}, build ${BUILD_ID}, ${this.idleTimeoutSeconds ? `exits after ${this.idleTimeoutSeconds}s idle` : 'no idle timeout'})`);
  }

  status(): AgentStatus {
    return {
      running: true, pid: process.pid, build: BUILD_ID, version: VERSION, home: this.homePaths.home, socket: this.paths.socket,
      startedAt: this.startedAt, uptimeSeconds: Math.floor((Date.now() - this.startedAt) / 1000), idleTimeoutSeconds: this.idleTimeoutSeconds,
      requestsServed: this.served, inFlight: this.inFlight, fallbacks: this.fallbacks, ...(this.lastRequestAt ? { lastRequestAt: this.lastRequestAt } : {}),
    };
  }

  connection(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    serveConnection(socket, {
      refuse: (request) => {
        const fallback = this.refuse(request);
        if (fallback) this.fallbacks++;
        return fallback;
      },
      run: (request, io) => runCli(request.argv, io, this.state),
      started: () => {
        this.inFlight++;
        this.lastRequestAt = Date.now();
      },
      finished: () => {
        this.inFlight--;
        this.served++;
        if (this.inFlight === 0) {
          this.drained?.();
          // The idle period starts again: the same timer, no new one per request.
          this.idleTimer?.refresh();
        }
      },
    });
  }

  /** Stops serving: no new connections, the socket removed (if still ours), requests in flight finished. */
  async stop(reason: string, socketStillOurs = true): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.idleTimer);
    for (const watcher of this.watchers) watcher.close();
    this.options.log(`credshare agent: stopping (pid ${process.pid}): ${reason}`);
    this.bound?.server.close();
    if (this.bound && socketStillOurs) await unbindAgentSocket(this.paths, this.bound).catch(() => {});
    if (readAgentInfo(this.paths)?.pid === process.pid) fs.rmSync(this.paths.info, { force: true });
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        setTimeout(resolve, DRAIN_LIMIT_MS).unref();
      });
    }
    for (const socket of this.sockets) socket.destroy();
    setServingAgent(undefined);
    this.exit(reason);
  }

  private refuse(request: AgentRequest): Fallback | undefined {
    if (this.stopping) return { reason: 'stopping', message: 'The credshare agent is shutting down.' };
    if (request.protocol !== PROTOCOL_VERSION) return { reason: 'protocol', message: `This credshare agent speaks protocol ${PROTOCOL_VERSION}, not ${request.protocol}.` };
    if (request.build !== BUILD_ID) {
      const steppingAside = installationChanged();
      if (steppingAside) setImmediate(() => void this.stop(`a client of build ${request.build} connected and this agent's installation changed (now ${installationChanged.current() ?? 'removed'})`));
      return { reason: 'version', message: `This credshare agent is build ${BUILD_ID}, not ${request.build}.`, agentBuild: BUILD_ID, steppingAside };
    }
    const [name, sub] = request.argv;
    const served = name === 'token' || name === 'helper' || name === '--cargo-plugin' || (name === 'agent' && (sub === 'status' || sub === 'stop'));
    if (!served) return { reason: 'unsupported', message: `The credshare agent does not run \`credshare ${name ?? ''}\`; run it directly.` };
    if (resolveHome(request.env, request.cwd).home !== this.homePaths.home) return { reason: 'home', message: `This credshare agent serves ${this.homePaths.home} only.` };
    if (!this.homeStillHere()) {
      setImmediate(() => void this.stop(`its home ${this.homePaths.home} was removed, moved or replaced, or is now refused`));
      return { reason: 'stopping', message: 'The credshare agent is shutting down: its home changed.' };
    }
    return undefined;
  }

  /**
   * The home is the directory the agent started for, and one the CLI still accepts: one
   * `lstat` per request (the check that needs no file event: a parent directory moved), and
   * the CLI's own `checkHome` again whenever its owner or mode changed.
   */
  private homeStillHere(): boolean {
    try {
      const now = fs.lstatSync(this.homePaths.home, { throwIfNoEntry: false });
      if (!now || now.ino !== this.homeStat.ino || now.dev !== this.homeStat.dev) return false;
      const key = `${now.mode}:${now.uid}`;
      if (key !== this.homeAccepted) {
        checkHome(this.homePaths.home);
        this.homeAccepted = key;
      }
      return true;
    } catch {
      return false;
    }
  }

  /**
   * File events, never polling (an idle agent costs no CPU): the home (drop what was read;
   * gone or refused: exit) and the socket directory (the socket removed or replaced: exit).
   */
  private watch(): void {
    const onHome = (): void => {
      this.state.invalidate();
      if (!this.homeStillHere()) void this.stop(`its home ${this.homePaths.home} was removed, moved or replaced, or is now refused`);
      else this.refreshIdleTimeout();
    };
    const onSocketDir = (): void => {
      if (this.bound && !stillOurs(this.paths, this.bound)) void this.stop(`its socket ${this.paths.socket} was removed or replaced`, false);
    };
    for (const [dir, handler] of [[this.homePaths.home, onHome], [this.paths.dir, onSocketDir]] as const) {
      try {
        const watcher = fs.watch(dir, { persistent: false }, handler);
        watcher.on('error', handler);
        this.watchers.push(watcher);
      } catch {
        // Nothing to watch (gone already): the next request's check finds out.
        handler();
      }
    }
  }

  /** config.json's idle timeout may have changed (a file event in the home), unless the flag set it. */
  private refreshIdleTimeout(): void {
    if (this.options.idleTimeoutSeconds !== undefined) return;
    try {
      const next = idleTimeoutOf(this.state.config(this.homePaths), this.homePaths) ?? DEFAULT_IDLE_TIMEOUT_SECONDS;
      if (next !== this.idleTimeoutSeconds) {
        this.idleTimeoutSeconds = next;
        this.armIdleTimer();
      }
    } catch {
      // A config.json being edited: keep the timeout until it reads again.
    }
  }

  /** Stops the agent after idleTimeoutSeconds without a request in flight (finished() restarts the period). */
  private armIdleTimer(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.stopping || this.idleTimeoutSeconds === 0) return;
    // Node's timers take at most 2^31-1 ms (~24.8 days); a longer delay would fire at once.
    const delayMs = Math.min(this.idleTimeoutSeconds * 1000, MAX_TIMER_MS);
    this.idleTimer = setTimeout(() => {
      if (this.inFlight > 0 || Date.now() - (this.lastRequestAt ?? this.startedAt) < this.idleTimeoutSeconds * 1000) this.idleTimer?.refresh();
      else void this.stop(`idle for ${this.idleTimeoutSeconds}s`);
    }, delayMs);
  }
}
