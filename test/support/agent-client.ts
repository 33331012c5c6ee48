import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { callAgent, forwardedEnv, type AgentOutcome } from '../../src/agent/client';
import { agentPaths, checkSocketDirectory } from '../../src/agent/socket-path';
import { cliPath, run, type Finished } from './processes';

/**
 * A client of the agent protocol written from docs/agent-protocol.md's client rules, for
 * the tests (the native Go client follows the same rules; its own tests drive it). It
 * tries the agent, and on no answer runs `node dist/cli.js` with the same argv and input,
 * as the native client does, and says which path answered.
 */
export interface ClientRun extends Finished {
  /** `agent`: the agent answered; `node`: the Node CLI did. */
  via: 'agent' | 'node';
  /** Why the agent did not answer (an `F` reason, or how the connection failed). */
  fallback?: string;
  /** Whether this call started an agent (`agent start --detach`), as the client rules say. */
  startedAgent: boolean;
}

export interface ClientOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  /** The client's build id; the installed one (dist/build-id) by default. */
  build?: string;
  /** Start an agent when none answers (the native client does); default true. */
  startAgent?: boolean;
  /**
   * The native client waits 2 s for `A`/`F` and 5 s between frames. Tests that are not about
   * those timeouts wait longer (10 s, 20 s): on a machine loaded enough, a test process can
   * be off the CPU for two seconds, and its timer then fires before the answer is read.
   */
  acceptTimeoutMs?: number;
  stallMs?: number;
}

export function installedBuildId(): string {
  return fs.readFileSync(path.join(path.dirname(cliPath), 'build-id'), 'utf8').trim();
}

export async function clientCall(args: string[], options: ClientOptions): Promise<ClientRun> {
  const started = performance.now();
  const cwd = options.cwd ?? process.cwd();
  const paths = agentPaths(options.env, cwd);
  let outcome: AgentOutcome | undefined;
  let fallback: string;
  let dirOk = false;
  let dirRefused = false;
  try {
    dirOk = checkSocketDirectory(paths.dir, false);
  } catch (error) {
    dirRefused = true;
    fallback = `directory refused: ${(error as Error).message}`;
  }
  if (dirOk) {
    outcome = await callAgent(paths.socket, {
      argv: args, env: forwardedEnv(options.env), cwd, build: options.build ?? installedBuildId(),
      stdin: Buffer.from(options.input ?? ''), acceptTimeoutMs: options.acceptTimeoutMs ?? 10_000, stallMs: options.stallMs ?? 20_000,
    });
    if (outcome.kind === 'exit') {
      return { via: 'agent', code: outcome.code, signal: null, stdout: outcome.stdout.toString('utf8'), stderr: outcome.stderr.toString('utf8'), ms: performance.now() - started, startedAgent: false };
    }
    if (outcome.kind === 'unavailable' && outcome.outputSeen) {
      return { via: 'agent', code: 1, signal: null, stdout: '', stderr: 'credshare: the credshare agent stopped answering; run the command again\n', ms: performance.now() - started, fallback: outcome.why, startedAgent: false };
    }
    fallback = outcome.kind === 'fallback' ? outcome.fallback.reason : outcome.why;
  } else {
    fallback ??= 'no socket directory';
  }
  // Start an agent: none answered (refused / missing), or the one there steps aside. Not
  // after another F, nor after a stall (one exists, frozen or overloaded).
  const noAgent = (!outcome && !dirRefused) || (outcome?.kind === 'unavailable' && /ECONNREFUSED|ENOENT/.test(outcome.why));
  const steppingAside = outcome?.kind === 'fallback' && outcome.fallback.reason === 'version' && outcome.fallback.steppingAside === true;
  const startedAgent = (options.startAgent ?? true) && (noAgent || steppingAside) && startAgentOnce(options.env, paths.home, paths.spawn, paths.dir, paths.socket);
  const result = await run(process.execPath, [cliPath, ...args], { env: options.env, cwd, input: options.input });
  return { ...result, via: 'node', fallback, startedAgent, ms: performance.now() - started };
}

/**
 * At most one starter at a time (an O_EXCL marker, stale after 10 s, or as soon as a socket
 * was bound after it: that start is done, as docs/agent-protocol.md's client rules say),
 * detached, not waited for.
 */
function startAgentOnce(env: NodeJS.ProcessEnv, home: string, marker: string, dir: string, socket: string): boolean {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch {
    // Exists (checked by the agent), or cannot be made (the agent says so).
  }
  try {
    fs.closeSync(fs.openSync(marker, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, 0o600));
  } catch {
    const markedAt = fs.statSync(marker, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
    const boundAt = fs.statSync(socket, { throwIfNoEntry: false })?.mtimeMs;
    const startDone = boundAt !== undefined && boundAt >= markedAt; // a killed agent's marker: replace it at once
    if (Date.now() - markedAt < 10_000 && !startDone) return false;
    fs.rmSync(marker, { force: true });
    return startAgentOnce(env, home, marker, dir, socket);
  }
  const childEnv: NodeJS.ProcessEnv = { ...env, CREDSHARE_HOME: home };
  for (const name of ['CREDSHARE_IPC_HANDLE', 'CREDSHARE_IPC_NONCE', 'KUBERNETES_EXEC_INFO', 'CREDSHARE_PROFILE', 'CREDSHARE_TEST_PAUSE_AT']) delete childEnv[name];
  spawn(process.execPath, [cliPath, 'agent', 'start', '--detach'], { env: childEnv, detached: true, stdio: 'ignore' }).unref();
  return true;
}

/** A private socket directory for one test's agents (XDG_RUNTIME_DIR), and the env that uses it. */
export function privateRuntimeDir(): { dir: string; env: NodeJS.ProcessEnv; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-runtime-'));
  fs.chmodSync(dir, 0o700);
  return { dir, env: { XDG_RUNTIME_DIR: dir }, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
