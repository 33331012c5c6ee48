import { readAgentInfo } from '../../src/agent/server';
import { processState } from '../../src/core/holder-watch';
import { agentPaths, type AgentPaths } from '../../src/agent/socket-path';
import { privateRuntimeDir } from './agent-client';
import { runCli } from './processes';

/** A home's agent for one test: started through the CLI, in a socket directory of the test's own. */
export interface AgentRig {
  /** The home's environment with the test's XDG_RUNTIME_DIR. */
  env: NodeJS.ProcessEnv;
  paths: AgentPaths;
  /** `credshare agent start --detach [...]`; resolves to the agent's pid. */
  start(...args: string[]): Promise<number>;
  /** The pid in agent-<id>.json, if any. */
  pid(): number | undefined;
  /** Resolves when `pid` has exited (polls: the agent is not this process's child). */
  exited(pid: number, timeoutMs?: number): Promise<boolean>;
  /** Kills every agent this rig started and removes the socket directory. */
  close(): void;
}

export function agentRig(homeEnv: NodeJS.ProcessEnv): AgentRig {
  const runtime = privateRuntimeDir();
  const env = { ...homeEnv, ...runtime.env };
  const paths = agentPaths(env);
  const started = new Set<number>();
  return {
    env,
    paths,
    async start(...args) {
      const result = await runCli(['agent', 'start', '--detach', ...args], env);
      if (result.code !== 0) throw new Error(`agent start failed (${result.code}): ${result.stderr}`);
      const pid = Number(/\(pid (\d+)\)/.exec(result.stdout)?.[1]);
      if (!pid) throw new Error(`agent start said "${result.stdout.trim()}", naming no pid`);
      started.add(pid);
      return pid;
    },
    pid: () => readAgentInfo(paths)?.pid,
    async exited(pid, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (!alive(pid)) return true;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return !alive(pid);
    },
    close() {
      const last = readAgentInfo(paths)?.pid;
      if (last) started.add(last);
      for (const pid of started) {
        try { process.kill(pid, 'SIGCONT'); process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
      runtime.remove();
    },
  };
}

export function alive(pid: number): boolean {
  return processState(pid) !== 'gone'; // a zombie (exited, not yet reaped) counts as gone
}

/**
 * What may differ between two runs of one command a moment apart: `expiresIn` (whole
 * seconds counted down), "valid for 59m 55s". Everything else must be byte for byte.
 */
export function timeless(text: string): string {
  return text.replace(/"expiresIn":\d+/g, '"expiresIn":N');
}
