import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import type { CliIo } from '../cli/io';
import { CredshareError, StoreError } from '../core/errors';
import { isProcessRunning } from '../core/lock-owner';
import { resolveHome } from '../core/paths';
import { loadConfig } from '../core/profile';
import { someoneListens } from './bind';
import { callAgent, forwardedEnv } from './client';
import { agentJson, agentStatusText, agentSummary, describeAgent } from './describe';
import { readAgentInfo, startAgent } from './server';
import { servingAgent } from './serving';
import { agentPaths, checkSocketDirectory } from './socket-path';

/**
 * Variables that belong to one call, never to the agent's process: the window nonce (a
 * secret of a VS Code terminal), the profile and kubectl's request, the fault suite's hook.
 * A detached agent's environment has none of them; requests bring their own.
 */
const PER_CALL_ENV = ['CREDSHARE_IPC_HANDLE', 'CREDSHARE_IPC_NONCE', 'KUBERNETES_EXEC_INFO', 'CREDSHARE_PROFILE', 'CREDSHARE_TEST_PAUSE_AT'];

/** How long `start --detach` waits for the agent it started to serve. */
const DETACH_WAIT_MS = 10_000;

/** `credshare agent start [--detach]`. */
export async function startCommand(io: CliIo, detach: boolean, idleTimeoutSeconds: number | undefined): Promise<number> {
  if (detach) return startDetached(io, idleTimeoutSeconds);
  const result = await startAgent({ env: io.env, idleTimeoutSeconds, log: (line) => io.stderr(line + '\n') });
  if ('running' in result) {
    io.stdout(`credshare agent: already running for this home${result.pid ? ` (pid ${result.pid})` : ''} on ${result.socket}\n`);
    return 0;
  }
  const stop = (signal: string) => (): void => { void result.stop(`${signal} received`); };
  process.on('SIGTERM', stop('SIGTERM'));
  process.on('SIGINT', stop('SIGINT'));
  await result.exited;
  // Nothing of the agent's is left to run; whatever a library left behind must not keep it alive.
  setTimeout(() => process.exit(0), 1_000).unref();
  return 0;
}

/**
 * Starts the agent as a process of its own (new session, no terminal, `/` as its working
 * directory, no per-call variables), waits until it serves, and returns. What would stop
 * it from starting is checked here first, so that the message reaches the caller.
 */
async function startDetached(io: CliIo, idleTimeoutSeconds: number | undefined): Promise<number> {
  if (process.platform === 'win32') throw new StoreError('credshare agent', 'does not run on Windows yet', 'Nothing to do: every call runs the Node CLI, as before.');
  const home = resolveHome(io.env, io.cwd);
  loadConfig(home);
  if (!fs.existsSync(home.home)) throw new StoreError(home.home, 'does not exist', 'There is nothing for an agent to serve yet: sign in first (`credshare login`).');
  const env: NodeJS.ProcessEnv = { ...io.env, CREDSHARE_HOME: home.home };
  for (const name of PER_CALL_ENV) delete env[name];
  const paths = agentPaths(env);
  checkSocketDirectory(paths.dir, true);
  if (await someoneListens(paths.socket)) {
    io.stdout(`credshare agent: already running for this home${pidText(readAgentInfo(paths)?.pid)} on ${paths.socket}\n`);
    return 0;
  }
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'agent', 'start', ...(idleTimeoutSeconds === undefined ? [] : ['--idle-timeout', String(idleTimeoutSeconds)])], {
    detached: true, stdio: 'ignore', env, cwd: '/',
  });
  child.unref();
  const started = Date.now();
  while (Date.now() - started < DETACH_WAIT_MS) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const info = readAgentInfo(paths);
    if (info?.pid === child.pid) {
      io.stdout(`credshare agent: started (pid ${child.pid}) on ${paths.socket}\n`);
      return 0;
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      // Exit 0: another agent won the race to serve this home, which is as good.
      if (child.exitCode === 0) {
        io.stdout(`credshare agent: already running for this home${pidText(info?.pid)} on ${paths.socket}\n`);
        return 0;
      }
      throw new CredshareError(`The agent exited at start (${child.exitCode !== null ? `code ${child.exitCode}` : child.signalCode}). Run \`credshare agent start\` (in the foreground) to see why.`);
    }
  }
  throw new CredshareError(`The agent (pid ${child.pid}) did not start serving ${paths.socket} within ${DETACH_WAIT_MS / 1000}s. Run \`credshare agent status\`.`);
}

/** `credshare agent stop`: asks the agent; one that does not answer (or of another build) gets SIGTERM. */
export async function stopCommand(io: CliIo): Promise<number> {
  const self = servingAgent();
  if (self) {
    io.stdout(`credshare agent: stopping (pid ${process.pid})\n`);
    self.stop('`credshare agent stop`');
    return 0;
  }
  const paths = agentPaths(io.env, io.cwd);
  const pid = readAgentInfo(paths)?.pid;
  if (!fs.existsSync(paths.socket) && !(pid && isProcessRunning(pid))) {
    io.stdout(`credshare agent: not running for this home (socket ${paths.socket})\n`);
    return 0;
  }
  const outcome = await callAgent(paths.socket, { argv: ['agent', 'stop'], env: { ...forwardedEnv(io.env), CREDSHARE_HOME: paths.home }, cwd: io.cwd ?? process.cwd() });
  let stopping = outcome.kind === 'exit' ? outcome.pid : undefined;
  if (stopping === undefined && pid && isProcessRunning(pid)) {
    process.kill(pid, 'SIGTERM');
    stopping = pid;
  }
  if (stopping === undefined) {
    io.stdout(`credshare agent: not running for this home (socket ${paths.socket})\n`);
    return 0;
  }
  const deadline = Date.now() + 10_000;
  while (isProcessRunning(stopping) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  if (isProcessRunning(stopping)) {
    throw new CredshareError(`The agent (pid ${stopping}) is still running after 10s (stopped with SIGSTOP, or finishing a long request?). Try again, or \`kill ${stopping}\`.`);
  }
  io.stdout(`credshare agent: stopped (pid ${stopping})\n`);
  return 0;
}

/** `credshare agent status [--json]`. */
export async function statusCommand(io: CliIo, json: boolean): Promise<number> {
  const self = servingAgent();
  const agent = self ? { state: 'running' as const, socket: self.status().socket, status: self.status() } : await describeAgent(io.env, io.cwd);
  if (json) {
    io.stdout(JSON.stringify(agentJson(agent), null, 2) + '\n');
  } else {
    io.stdout(agent.state === 'running' ? agentStatusText(agent.status) : `Agent:    ${agentSummary(agent)}\n`);
  }
  return 0;
}

function pidText(pid: number | undefined): string {
  return pid ? ` (pid ${pid})` : '';
}
