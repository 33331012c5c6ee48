import { runRace, type RaceCommand } from './race';
import type { RaceIssuer, SignedInHome } from './signed-in-home';
import { percentile } from './stats';

/** How the race starts: a fresh token, or an expired one with coordination on or off. */
export type Mode = 'fresh' | 'coordinated' | 'uncoordinated';

/** What one race came to, as the issuer and the processes saw it. */
export interface ScenarioResult {
  mode: Mode;
  processes: number;
  wallMs: number;
  p50Ms: number;
  p99Ms: number;
  /** Refresh requests that reached the issuer's token endpoint. */
  refreshRequests: number;
  /** Refresh requests that presented an already-used refresh token (the issuer revokes the session). */
  reuseDetections: number;
  /** Processes that exited non-zero. */
  failures: number;
  /** CPU time of all the processes (user + system), ms, where the platform tells (RaceResult.cpuMs). */
  cpuMs?: number;
  /** Processes that exited 0 with a token the issuer still accepts after the race. */
  workingTokens: number;
  /** 1 when the stored session can no longer be refreshed (revoked or deleted), else 0. */
  sessionsLost: number;
  /** The last stderr line of the first failed process, for the curious. */
  firstError?: string;
}

export interface ScenarioOptions {
  mode: Mode;
  processes: number;
  commands: RaceCommand[];
  onExit?: (done: number) => void;
  /** See RaceOptions.niceness. */
  niceness?: number;
  /** Another build's dist/cli.js to race instead of this one's (the bench's baseline). */
  cli?: string;
}

/**
 * Signs the home in afresh, expires the access token unless the mode is `fresh`,
 * races the processes, and asks the issuer what became of the session.
 */
export async function runScenario(env: SignedInHome<RaceIssuer>, options: ScenarioOptions): Promise<ScenarioResult> {
  const { issuer, home } = env;
  await env.signIn();
  if (options.mode !== 'fresh') env.expire();
  await issuer.resetStats();
  const childEnv = options.mode === 'uncoordinated' ? { ...home.env, CREDSHARE_UNSAFE_NO_COORDINATION: '1' } : home.env;
  const race = await runRace({ ...(options.cli ? { argv: [options.cli] } : {}), env: childEnv, processes: options.processes, commands: options.commands, onExit: options.onExit, niceness: options.niceness });
  const stats = await issuer.stats();
  const failed = race.results.filter((r) => r.code !== 0);
  const verdicts = new Map<string, boolean>();
  let workingTokens = 0;
  for (const { token } of race.results) {
    if (!token) continue;
    if (!verdicts.has(token)) verdicts.set(token, await issuer.isAccessTokenValid(token));
    if (verdicts.get(token)) workingTokens++;
  }
  const stored = home.readSession();
  const alive = !!stored?.refreshToken && (await issuer.isRefreshTokenUsable(stored.refreshToken));
  const latencies = race.results.map((r) => r.ms);
  return {
    mode: options.mode,
    processes: options.processes,
    wallMs: race.wallMs,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    refreshRequests: stats.refreshRequests,
    reuseDetections: stats.reuseDetections,
    failures: failed.length,
    ...(race.cpuMs !== undefined ? { cpuMs: race.cpuMs } : {}),
    workingTokens,
    sessionsLost: alive ? 0 : 1,
    firstError: failed[0]?.stderr.trim().split('\n').pop(),
  };
}
