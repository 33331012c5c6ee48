import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { agentPaths } from '../../src/agent/socket-path';
import { readAgentInfo } from '../../src/agent/server';
import { cliPath } from '../../src/demo/race';
import { processState } from '../../src/core/holder-watch';

const alive = (pid: number): boolean => processState(pid) !== 'gone';
import type { Runner, RunnerSubject } from './runner';

/** The pid of the agent serving the home of `env`, from its `agent-<id>.json`. */
export function agentPid(env: NodeJS.ProcessEnv): number | undefined {
  return readAgentInfo(agentPaths(env))?.pid;
}

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}


/** Stops the home's agent (if any) and waits until it is gone and no spawn marker is left. */
export async function stopAgentOf(env: NodeJS.ProcessEnv): Promise<void> {
  const pid = agentPid(env);
  await cli(['agent', 'stop'], env);
  while (pid !== undefined && alive(pid)) await new Promise((r) => setTimeout(r, 50));
  fs.rmSync(agentPaths(env).spawn, { force: true });
}

/** Waits (up to 30 s) until an agent serves the home of `env`. */
export async function waitForAgentOf(env: NodeJS.ProcessEnv): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = await cli(['agent', 'status', '--json'], env);
    const parsed = status.code === 0 ? JSON.parse(status.stdout) as { running: boolean; pid: number } : undefined;
    if (parsed?.running) return parsed.pid;
    if (Date.now() > deadline) throw new Error(`no agent serves ${agentPaths(env).home} 30 s after a first call`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * `n` first calls at once with no agent running: all answered (by the Node CLI they fall
 * back to), and afterwards exactly one agent serving the home. Counts the calls that
 * started one (their CREDSHARE_DEBUG trace) and the agent processes of this home
 * (/proc: `agent start` with this CREDSHARE_HOME).
 */
export async function firstCalls(runner: Runner, subject: RunnerSubject, n: number, env: NodeJS.ProcessEnv, runtime: string) {
  const storm = await runner.storm({ ...subject, env: { ...subject.env, CREDSHARE_DEBUG: '1' } }, n);
  await waitForAgentOf(env);
  const home = agentPaths(env).home;
  const agents = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('agent\0start')
        && fs.readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes(`CREDSHARE_HOME=${home}`)
        && fs.readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes(`XDG_RUNTIME_DIR=${runtime}`);
    } catch {
      return false;
    }
  });
  return {
    processes: n,
    wallMs: storm.wallUs / 1000,
    failures: storm.runs.filter((r) => r.code !== 0 || !/^password=/m.test(r.stdout ?? '')).length,
    agentStarts: storm.runs.filter((r) => /^credshare-client: started an agent/m.test(r.stderr ?? '')).length,
    agentsServing: agents.length,
    firstError: storm.runs.find((r) => r.code !== 0 || !/^password=/m.test(r.stdout ?? ''))?.stderr?.trim().split('\n').filter((l) => !l.startsWith('credshare-client: ')).pop(),
  };
}

