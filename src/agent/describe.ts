import * as fs from 'node:fs';
import { formatDuration } from '../core/format';
import { isProcessRunning } from '../core/lock-owner';
import { callAgent, forwardedEnv } from './client';
import { readAgentInfo } from './server';
import type { AgentStatus } from './serving';
import { agentPaths, checkSocketDirectory, type AgentPaths } from './socket-path';

/** What a process finds at a home's agent socket (`agent status`, `status`, `doctor`). */
export type AgentDescription =
  | { state: 'running'; socket: string; status: AgentStatus }
  /** A live agent of another credshare installation serves the home; this one's calls run the Node CLI. */
  | { state: 'other-build'; socket: string; build: string; pid?: number }
  /** Something listens but does not answer (stopped, or overloaded). */
  | { state: 'not-answering'; socket: string; pid?: number; why: string }
  | { state: 'not-running'; socket: string }
  | { state: 'unusable'; socket: string; problem: string };

/** Asks the agent of the home `env` names (and `cwd`, for a relative one) about itself. */
export async function describeAgent(env: NodeJS.ProcessEnv, cwd: string | undefined, timeoutMs = 1_000): Promise<AgentDescription> {
  let paths: AgentPaths;
  try {
    paths = agentPaths(env, cwd);
  } catch (error) {
    return { state: 'unusable', socket: '', problem: (error as Error).message };
  }
  const { socket } = paths;
  try {
    if (!checkSocketDirectory(paths.dir, false)) return { state: 'not-running', socket };
  } catch (error) {
    return { state: 'unusable', socket, problem: (error as Error).message };
  }
  if (!fs.existsSync(socket)) return { state: 'not-running', socket };
  const outcome = await callAgent(socket, {
    argv: ['agent', 'status', '--json'], env: { ...forwardedEnv(env), CREDSHARE_HOME: paths.home }, cwd: cwd ?? process.cwd(),
    acceptTimeoutMs: timeoutMs, stallMs: timeoutMs,
  });
  const info = readAgentInfo(paths);
  const pid = info && isProcessRunning(info.pid) ? info.pid : undefined;
  if (outcome.kind === 'exit' && outcome.code === 0) {
    try {
      return { state: 'running', socket, status: JSON.parse(outcome.stdout.toString('utf8')) as AgentStatus };
    } catch {
      return { state: 'not-answering', socket, pid, why: 'an answer it could not read' };
    }
  }
  if (outcome.kind === 'fallback' && outcome.fallback.reason === 'version') return { state: 'other-build', socket, build: outcome.fallback.agentBuild ?? '?', pid };
  if (outcome.kind === 'unavailable' && /ECONNREFUSED|ENOENT/.test(outcome.why)) return { state: 'not-running', socket };
  return { state: 'not-answering', socket, pid, why: outcome.kind === 'unavailable' ? outcome.why : `it refused: ${outcome.kind === 'fallback' ? outcome.fallback.message : `exit ${outcome.code}`}` };
}

/** For `--json`: a running agent's status, else `{"running": false, "state", ...}`. */
export function agentJson(agent: AgentDescription): object {
  return agent.state === 'running' ? agent.status : { running: false, ...agent };
}

/** One line, for `credshare status` and `credshare doctor`. */
export function agentSummary(agent: AgentDescription): string {
  switch (agent.state) {
    case 'running': {
      const s = agent.status;
      return `running (pid ${s.pid}, build ${s.build}, up ${formatDuration(s.uptimeSeconds)}, ${s.requestsServed} request(s) served, `
        + `${s.idleTimeoutSeconds ? `exits after ${formatDuration(s.idleTimeoutSeconds)} idle` : 'no idle timeout'}; socket ${agent.socket})`;
    }
    case 'other-build': return `an agent of another credshare installation (build ${agent.build}${agent.pid ? `, pid ${agent.pid}` : ''}) serves this home; this one's calls run without it (socket ${agent.socket})`;
    case 'not-answering': return `not answering${agent.pid ? ` (pid ${agent.pid}: stopped or overloaded?)` : ''}: ${agent.why}; calls run without it meanwhile (socket ${agent.socket})`;
    case 'not-running': return `not running (calls start it; socket ${agent.socket})`;
    case 'unusable': return `cannot be used: ${agent.problem}`;
  }
}

/** What `credshare doctor` marks: an agent that cannot be used, or that holds calls up. */
export function agentProblem(agent: AgentDescription): string | undefined {
  if (agent.state === 'unusable') return 'every call runs without the agent until this is fixed';
  if (agent.state === 'not-answering') return `calls wait for it before they run without it: \`credshare agent stop\`${agent.pid ? ` (or kill ${agent.pid})` : ''}`;
  return undefined;
}

/** The whole `credshare agent status` screen of a running agent. */
export function agentStatusText(s: AgentStatus): string {
  return [
    `Agent:    running (pid ${s.pid}), build ${s.build}`,
    `Home:     ${s.home}`,
    `Socket:   ${s.socket}`,
    `Uptime:   ${formatDuration(s.uptimeSeconds)}; ${s.requestsServed} request(s) served, ${s.inFlight} in progress, ${s.fallbacks} passed to the Node CLI`,
    `Idle:     ${s.idleTimeoutSeconds ? `exits after ${formatDuration(s.idleTimeoutSeconds)} without a request` : 'never exits for being idle'}`
      + (s.lastRequestAt ? ` (last request ${formatDuration((Date.now() - s.lastRequestAt) / 1000)} ago)` : ''),
  ].join('\n') + '\n';
}
