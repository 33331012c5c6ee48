import * as fs from 'node:fs';
import { runRace, type ProcessResult, type RaceCommand } from './race';
import type { RaceIssuer, SignedInHome } from './signed-in-home';

/**
 * One cell of the lifetime x tolerance matrix of issue 15 (the test in
 * test/integration/lifetime-matrix.test.ts asserts on it; `npm run bench:lifetime` prints it,
 * also for an older build): an access token that expired, a race of processes on it, then
 * sequential calls. The issuer's own access-token TTL is the lifetime; the tolerance is
 * written into the profile.
 */
export interface LifetimeCell {
  lifetimeSeconds: number;
  toleranceSeconds: number;
}

/** One of the sequential calls after the race. */
export interface SequentialCall {
  code: number | null;
  /** Refresh requests that reached the issuer during this call. */
  refreshes: number;
  /**
   * How long the token stored before the call was still valid when the call ended (ms;
   * negative: expired by then). A call that ends while this exceeds the margin found the
   * token fresh from start to end, and must not have refreshed.
   */
  leftAtEndMs: number;
}

export interface CellResult {
  cell: LifetimeCell;
  race: {
    processes: number;
    wallMs: number;
    refreshes: number;
    reuseDetections: number;
    /** stderr of the processes that failed. */
    failures: string[];
  };
  sequential: SequentialCall[];
  /**
   * Distinct tokens handed out (race and sequential calls) that the issuer refused when checked
   * right after, while credshare still dated them valid for more than a second (the issuer's
   * `exp` is in whole seconds). A token whose expiry passed before the check (tolerance 0 hands
   * tokens out to their last second) does not count.
   */
  refusedTokens: number;
  /** What the store records as the token's lifetime after the cell (the issuer's `expires_in`), if anything. */
  storedLifetimeSeconds?: number;
  /** Whether the session can still be refreshed at the end. */
  alive: boolean;
}

export interface CellOptions {
  processes: number;
  sequential: number;
  /** Process i of the race, and sequential call i, runs commands[i % commands.length]. */
  commands: RaceCommand[];
  /** The CLI to run (default: this build's dist/cli.js), e.g. an older build for before/after figures. */
  argv?: string[];
}

/** Sets the profile's tolerance, expires the stored token (its recorded lifetime kept), races, then calls one at a time. */
export async function runLifetimeCell(env: SignedInHome<RaceIssuer>, cell: LifetimeCell, options: CellOptions): Promise<CellResult> {
  const { issuer, home } = env;
  setTolerance(home.paths.config, cell.toleranceSeconds);
  env.expire();
  await issuer.resetStats();
  const checked = new Map<string, boolean>();
  const check = async ({ token, expiresAt }: ProcessResult): Promise<void> => {
    if (!token || checked.has(token)) return;
    const valid = await issuer.isAccessTokenValid(token);
    // Counted unless its expiry, as the process printed it, had passed by now (or nearly).
    if (valid || expiresAt === undefined || expiresAt > Date.now() + 1000) checked.set(token, valid);
  };

  const race = await runRace({ env: home.env, processes: options.processes, commands: options.commands, ...(options.argv ? { argv: options.argv } : {}) });
  const raceStats = await issuer.stats();
  for (const result of race.results) await check(result);

  const sequential: SequentialCall[] = [];
  let counted = raceStats.refreshRequests;
  for (let i = 0; i < options.sequential; i++) {
    const before = home.readSession();
    const [result] = (await runRace({ env: home.env, processes: 1, commands: [options.commands[i % options.commands.length]!], ...(options.argv ? { argv: options.argv } : {}) })).results;
    const endedAt = Date.now();
    const now = (await issuer.stats()).refreshRequests;
    sequential.push({ code: result!.code, refreshes: now - counted, leftAtEndMs: (before?.expiresAt ?? 0) - endedAt });
    counted = now;
    await check(result!);
  }
  const stored = home.readSession();
  return {
    cell,
    race: {
      processes: options.processes,
      wallMs: race.wallMs,
      refreshes: raceStats.refreshRequests,
      reuseDetections: raceStats.reuseDetections,
      failures: race.results.filter((r) => r.code !== 0).map((r) => r.stderr.trim()),
    },
    sequential,
    refusedTokens: [...checked.values()].filter((valid) => !valid).length,
    ...(typeof stored?.lifetimeSeconds === 'number' ? { storedLifetimeSeconds: stored.lifetimeSeconds } : {}),
    alive: !!stored?.refreshToken && (await issuer.isRefreshTokenUsable(stored.refreshToken)),
  };
}

/** Writes the default profile's `refreshToleranceSeconds` (every other field kept). */
function setTolerance(configFile: string, seconds: number): void {
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  config.profiles.default.refreshToleranceSeconds = seconds;
  fs.writeFileSync(`${configFile}.tmp`, JSON.stringify(config, null, 2), { mode: 0o600 });
  fs.renameSync(`${configFile}.tmp`, configFile);
}
