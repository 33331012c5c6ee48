// What `credshare agent` costs (issue 18): CPU and memory while idle (no polling timers, file
// events only), and what one fresh-token request costs the agent itself. The native client's
// whole call beside oidc-agent's is native.ts's part. Written to agent-idle.json beside
// results.json.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { callAgent, forwardedEnv } from '../../src/agent/client';
import { readAgentInfo } from '../../src/agent/server';
import { agentPaths } from '../../src/agent/socket-path';
import { cliPath } from '../../src/demo/race';
import type { Progress } from '../../src/demo/progress';
import { median } from '../../src/demo/stats';

export interface AgentIdleFigures {
  /** How long the idle agent was watched. */
  idleSeconds: number;
  /** CPU the agent used meanwhile (on-CPU time from /proc/PID/schedstat), ms, and as a share of one core. */
  idleCpuMs: number;
  idleCpuPercent: number;
  /** Times the agent was woken meanwhile (voluntary context switches). */
  idleWakeups: number;
  /** Resident memory of the idle agent after serving the requests below, and its peak. */
  rssKb: number;
  peakRssKb: number;
  /** Fresh-token requests served (`token`, `helper --protocol git get`, alternately), one at a time. */
  requests: number;
  /** The agent's CPU per request, µs (schedstat), and the round trip of the Node test client, µs (median). */
  agentCpuPerRequestUs: number;
  roundTripMedianUs: number;
}

/** Runs the measurement against the bench's signed-in home and prints it. */
export async function runAgentIdle(homeEnv: NodeJS.ProcessEnv, quick: boolean, outDir: string, progress: Progress): Promise<AgentIdleFigures> {
  const idleSeconds = quick ? 10 : 60;
  progress.start(`4. agent: ${quick ? 500 : 2000} fresh-token requests, then ${idleSeconds} s idle`, 1);
  const figures = await measureAgent(homeEnv, idleSeconds, quick ? 500 : 2000);
  progress.finish(`${figures.idleCpuMs.toFixed(1)} ms CPU idle, ${(figures.rssKb / 1024).toFixed(1)} MB RSS`);
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'agent-idle.json'), JSON.stringify({ command: `npm run bench${quick ? ' -- --quick' : ''}`, date: new Date().toISOString(), ...figures }, null, 2) + '\n');
  process.stdout.write([
    '',
    `4. credshare agent (${figures.requests} fresh-token requests one at a time, then idle ${figures.idleSeconds} s)`,
    `   per request: ${figures.agentCpuPerRequestUs.toFixed(0)} µs of the agent's CPU; round trip through the Node test client ${figures.roundTripMedianUs.toFixed(0)} µs (median)`,
    `   idle: ${figures.idleCpuMs.toFixed(1)} ms CPU in ${figures.idleSeconds} s (${figures.idleCpuPercent.toFixed(4)}% of a core), ${figures.idleWakeups} wakeups; RSS ${(figures.rssKb / 1024).toFixed(1)} MB (peak ${(figures.peakRssKb / 1024).toFixed(1)} MB)`,
    '',
  ].join('\n'));
  return figures;
}

export async function measureAgent(homeEnv: NodeJS.ProcessEnv, idleSeconds: number, requests: number): Promise<AgentIdleFigures> {
  // A socket directory of the bench's own; no idle exit while measured.
  const runtime = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-bench-runtime-'));
  fs.chmodSync(runtime, 0o700);
  const env = { ...homeEnv, XDG_RUNTIME_DIR: runtime };
  const paths = agentPaths(env);
  const started = spawnSync(process.execPath, [cliPath, 'agent', 'start', '--detach', '--idle-timeout', '0'], { env, encoding: 'utf8' });
  const pid = readAgentInfo(paths)?.pid;
  if (started.status !== 0 || !pid) throw new Error(`credshare agent start failed: ${started.stderr}`);
  try {
    const build = fs.readFileSync(path.join(path.dirname(cliPath), 'build-id'), 'utf8').trim();
    const call = (i: number) => callAgent(paths.socket, {
      argv: i % 2 ? ['helper', '--protocol', 'git', 'get'] : ['token'], env: forwardedEnv(env), cwd: '/', build,
      stdin: Buffer.from('protocol=https\nhost=artifacts.example.com\n\n'),
    });
    for (let i = 0; i < 200; i++) await call(i); // warm up: the JIT, the caches
    const cpuBefore = onCpuNs(pid);
    const roundTrips: number[] = [];
    for (let i = 0; i < requests; i++) {
      const t0 = performance.now();
      const outcome = await call(i);
      roundTrips.push((performance.now() - t0) * 1000);
      if (outcome.kind !== 'exit' || outcome.code !== 0) throw new Error(`request ${i} was not answered: ${JSON.stringify(outcome)}`);
    }
    const agentCpuPerRequestUs = (onCpuNs(pid) - cpuBefore) / requests / 1000;
    await new Promise((resolve) => setTimeout(resolve, 2000)); // let the last request's garbage be collected
    const [cpu0, wake0] = [onCpuNs(pid), wakeups(pid)];
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    const idleCpuMs = (onCpuNs(pid) - cpu0) / 1e6;
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return {
      idleSeconds, idleCpuMs, idleCpuPercent: idleCpuMs / (idleSeconds * 1000) * 100, idleWakeups: wakeups(pid) - wake0,
      rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]), peakRssKb: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]),
      requests, agentCpuPerRequestUs, roundTripMedianUs: median(roundTrips),
    };
  } finally {
    try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
    fs.rmSync(runtime, { recursive: true, force: true });
  }
}

/** Nanoseconds the process has run on a CPU, all threads (the first field of /proc/PID/schedstat). */
function onCpuNs(pid: number): number {
  let total = 0;
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    total += Number(fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
  }
  return total;
}

function wakeups(pid: number): number {
  let total = 0;
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    total += Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/task/${task}/status`, 'utf8'))?.[1] ?? 0);
  }
  return total;
}
