import * as os from 'node:os';
import { HELPER_GET, runRace } from '../../src/demo/race';
import { runScenario, type Mode, type ScenarioResult } from '../../src/demo/scenario';
import type { SignedInHome } from '../../src/demo/signed-in-home';
import { percentile } from '../../src/demo/stats';

/** One row of figure 2: N concurrent processes in one mode (or bare `node -e 0`). */
export interface StormRow extends Omit<ScenarioResult, 'mode' | 'firstError'> {
  mode: Mode | 'node -e 0';
  /** wall / wall of the fresh-token run at the same N, in the same bench run. */
  wallVsFresh?: number;
  /** 1-minute load average before and after: the machine was not ours alone if it is far above the core count. */
  loadBefore: number;
  loadAfter: number;
  firstError?: string;
}

export interface StormOptions {
  sizes: number[];
  /**
   * Also time N bare `node -e 0` processes, the floor any Node CLI stands on, for N up to
   * this (the floor at N=1000 alone would add a quarter to the run).
   */
  baselineUpTo: number;
  onStart?: (label: string, processes: number) => void;
  onExit?: (done: number) => void;
  onEnd?: (row: StormRow) => void;
}

const MODES: Mode[] = ['fresh', 'coordinated', 'uncoordinated'];

/**
 * For each N: N `credshare helper --protocol bazel get` processes started at once on a
 * fresh token, on an expired token with coordination, and with coordination off.
 */
export async function storm(env: SignedInHome, options: StormOptions): Promise<StormRow[]> {
  const rows: StormRow[] = [];
  for (const processes of options.sizes) {
    let freshWall: number | undefined;
    if (processes <= options.baselineUpTo) {
      options.onStart?.('node -e 0', processes);
      const loadBefore = os.loadavg()[0]!;
      const race = await runRace({ argv: ['-e', '0'], env: process.env, processes, commands: [{ args: [], input: '' }], onExit: options.onExit });
      const latencies = race.results.map((r) => r.ms);
      const row: StormRow = {
        mode: 'node -e 0', processes, wallMs: race.wallMs, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99),
        refreshRequests: 0, reuseDetections: 0, failures: race.results.filter((r) => r.code !== 0).length, workingTokens: 0, sessionsLost: 0,
        loadBefore, loadAfter: os.loadavg()[0]!,
      };
      rows.push(row);
      options.onEnd?.(row);
    }
    for (const mode of MODES) {
      options.onStart?.(mode, processes);
      const loadBefore = os.loadavg()[0]!;
      const result = await runScenario(env, { mode, processes, commands: [HELPER_GET], onExit: options.onExit });
      if (mode === 'fresh') freshWall = result.wallMs;
      const row: StormRow = { ...result, wallVsFresh: freshWall ? result.wallMs / freshWall : undefined, loadBefore, loadAfter: os.loadavg()[0]! };
      rows.push(row);
      options.onEnd?.(row);
    }
  }
  return rows;
}
