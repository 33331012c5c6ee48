import * as os from 'node:os';
import { HELPER_GET, runRace } from '../../src/demo/race';
import { runScenario, type Mode, type ScenarioResult } from '../../src/demo/scenario';
import type { RaceIssuer, SignedInHome } from '../../src/demo/signed-in-home';
import { median, percentile } from '../../src/demo/stats';

/** One row of figure 2: N concurrent processes in one mode (or bare `node -e 0`). */
export interface StormRow extends Omit<ScenarioResult, 'mode' | 'firstError'> {
  mode: Mode | 'node -e 0';
  /** How many times this N was run; wall, p50 and p99 are medians over the rounds. */
  rounds: number;
  /** Median over rounds of wall / wall of the fresh-token run of the same round. */
  wallVsFresh?: number;
  /** 1-minute load average before the first round: the machine was not ours alone if it is far above the core count. */
  loadBefore: number;
  firstError?: string;
}

export interface StormOptions {
  /** Each N, and how many rounds of it (every round runs every mode, back to back). */
  sizes: { processes: number; rounds: number }[];
  /**
   * Also time N bare `node -e 0` processes, the floor any Node CLI stands on, for N up to
   * this (the floor at N=1000 alone would add a quarter to the run).
   */
  baselineUpTo: number;
  onStart?: (label: string, processes: number) => void;
  onExit?: (done: number) => void;
  onEnd?: (label: string, result: Omit<ScenarioResult, 'mode'>) => void;
}

type Label = StormRow['mode'];

/**
 * The storm runs below the bench process and the issuer's process: a real issuer is a
 * remote server that a storm on the developer's machine does not starve, and the bench
 * process must keep up with a thousand children's pipes. Every mode (and bare node) gets
 * the same niceness, so the comparison between them stays fair.
 */
const STORM_NICENESS = 10;
const MODES: Mode[] = ['fresh', 'coordinated', 'uncoordinated'];

/**
 * For each N: N `credshare helper --protocol bazel get` processes started at once on a
 * fresh token, on an expired token with coordination, and with coordination off. Each
 * round runs the modes back to back, so a ratio to the fresh run compares runs made
 * seconds apart; over several rounds the median resists a neighbour's burst of load.
 * Refresh requests, failures and lost sessions are the worst round's.
 */
export async function storm(env: SignedInHome<RaceIssuer>, options: StormOptions): Promise<StormRow[]> {
  const rows: StormRow[] = [];
  for (const { processes, rounds } of options.sizes) {
    const labels: Label[] = processes <= options.baselineUpTo ? ['node -e 0', ...MODES] : MODES;
    const runs = new Map<Label, Omit<ScenarioResult, 'mode'>[]>(labels.map((l) => [l, []]));
    const loadBefore = os.loadavg()[0]!;
    for (let round = 0; round < rounds; round++) {
      for (const label of labels) {
        options.onStart?.(`${label}${rounds > 1 ? `, round ${round + 1}/${rounds}` : ''}`, processes);
        const result = label === 'node -e 0'
          ? await bareNode(processes, options.onExit)
          : await runScenario(env, { mode: label, processes, commands: [HELPER_GET], onExit: options.onExit, niceness: STORM_NICENESS });
        runs.get(label)!.push(result);
        options.onEnd?.(label, result);
      }
    }
    const fresh = runs.get('fresh')!;
    for (const label of labels) {
      const results = runs.get(label)!;
      rows.push({
        mode: label,
        processes,
        rounds,
        wallMs: median(results.map((r) => r.wallMs)),
        p50Ms: median(results.map((r) => r.p50Ms)),
        p99Ms: median(results.map((r) => r.p99Ms)),
        refreshRequests: Math.max(...results.map((r) => r.refreshRequests)),
        reuseDetections: Math.max(...results.map((r) => r.reuseDetections)),
        failures: Math.max(...results.map((r) => r.failures)),
        workingTokens: Math.min(...results.map((r) => r.workingTokens)),
        sessionsLost: Math.max(...results.map((r) => r.sessionsLost)),
        wallVsFresh: label === 'node -e 0' ? undefined : median(results.map((r, i) => r.wallMs / fresh[i]!.wallMs)),
        loadBefore,
        firstError: results.find((r) => r.firstError)?.firstError,
      });
    }
  }
  return rows;
}

async function bareNode(processes: number, onExit?: (done: number) => void): Promise<Omit<ScenarioResult, 'mode'>> {
  const race = await runRace({ argv: ['-e', '0'], env: process.env, processes, commands: [{ args: [], input: '' }], onExit, niceness: STORM_NICENESS });
  const latencies = race.results.map((r) => r.ms);
  return {
    processes, wallMs: race.wallMs, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99),
    refreshRequests: 0, reuseDetections: 0, failures: race.results.filter((r) => r.code !== 0).length, workingTokens: 0, sessionsLost: 0,
  };
}
