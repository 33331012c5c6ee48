import * as os from 'node:os';
import { HELPER_GET } from '../../src/demo/race';
import { runScenario, type ScenarioResult } from '../../src/demo/scenario';
import type { RaceIssuer, SignedInHome } from '../../src/demo/signed-in-home';
import { median } from '../../src/demo/stats';
import { renderTable, type Cell, type Column, type TableStyle } from '../../src/demo/table';

/** A build raced in figure 2b: this checkout's (no `cli`), or a baseline commit's. */
export interface StormBuild {
  label: string;
  cli?: string;
}

/** One row of figure 2b: one build at one N, over its pairs of storms (fresh, then expired). */
export interface StormCpuRow {
  build: string;
  processes: number;
  pairs: number;
  /** Medians over the pairs, ms of CPU (user + system of all N processes). */
  freshCpuMs: number;
  expiredCpuMs: number;
  /** expired CPU / fresh CPU of each pair, and their median (the figure). */
  cpuRatios: number[];
  cpuRatio: number;
  /** Per pair, the expired storm's. */
  failures: number[];
  refreshRequests: number[];
  sessionsLost: number;
  expiredWallMs: number;
  firstError?: string;
  loadBefore: number;
}

export interface StormCpuOptions {
  builds: StormBuild[];
  sizes: { processes: number; pairs: number }[];
  onStart?: (label: string, processes: number) => void;
  onExit?: (done: number) => void;
  onEnd?: (label: string, result: ScenarioResult) => void;
}

/** The same niceness as figure 2 (storm.ts): below the bench and the issuer. */
const NICENESS = 10;

/**
 * Figure 2b: the CPU a storm of N helper processes costs on an expired token against the
 * same storm on a fresh token (what coordinating and waiting add), for this build and for
 * the baseline, and the expired storm's failures. Each pair is a fresh storm then an expired
 * one, seconds apart; the builds alternate pair by pair (and which goes first alternates too),
 * so that a neighbour's burst of load or a slow drift hits both alike. CPU is user + system of
 * the N processes (RaceResult.cpuMs), which other load disturbs far less than wall time.
 */
export async function stormCpu(env: SignedInHome<RaceIssuer>, options: StormCpuOptions): Promise<StormCpuRow[]> {
  const rows: StormCpuRow[] = [];
  for (const { processes, pairs } of options.sizes) {
    const loadBefore = os.loadavg()[0]!;
    const results = new Map<string, { fresh: ScenarioResult; expired: ScenarioResult }[]>(options.builds.map((b) => [b.label, []]));
    for (let pair = 0; pair < pairs; pair++) {
      const order = pair % 2 === 0 ? options.builds : [...options.builds].reverse();
      for (const build of order) {
        const run = async (mode: 'fresh' | 'coordinated'): Promise<ScenarioResult> => {
          const label = `${build.label}, ${mode === 'fresh' ? 'fresh' : 'expired'}, pair ${pair + 1}/${pairs}`;
          options.onStart?.(label, processes);
          const result = await runScenario(env, { mode, processes, commands: [HELPER_GET], onExit: options.onExit, niceness: NICENESS, ...(build.cli ? { cli: build.cli } : {}) });
          options.onEnd?.(label, result);
          return result;
        };
        const fresh = await run('fresh');
        results.get(build.label)!.push({ fresh, expired: await run('coordinated') });
      }
    }
    for (const build of options.builds) {
      const runs = results.get(build.label)!;
      const cpu = (r: ScenarioResult): number => r.cpuMs ?? Number.NaN;
      const ratios = runs.map((r) => cpu(r.expired) / cpu(r.fresh));
      rows.push({
        build: build.label, processes, pairs,
        freshCpuMs: median(runs.map((r) => cpu(r.fresh))),
        expiredCpuMs: median(runs.map((r) => cpu(r.expired))),
        cpuRatios: ratios,
        cpuRatio: median(ratios),
        failures: runs.map((r) => r.expired.failures),
        refreshRequests: runs.map((r) => r.expired.refreshRequests),
        sessionsLost: Math.max(...runs.map((r) => r.expired.sessionsLost)),
        expiredWallMs: median(runs.map((r) => r.expired.wallMs)),
        firstError: runs.find((r) => r.expired.firstError)?.expired.firstError,
        loadBefore,
      });
    }
  }
  return rows;
}

/** Figure 2b as a table. `limit` colours this build's ratio. */
export function stormCpuTable(rows: StormCpuRow[], style: TableStyle, limit: number): string {
  const columns: Column[] = [
    { header: 'N', align: 'right' }, { header: 'build' }, { header: 'pairs', align: 'right' },
    { header: 'CPU fresh', align: 'right' }, { header: 'CPU expired', align: 'right' }, { header: 'expired / fresh', align: 'right' },
    { header: 'each pair', align: 'right' }, { header: 'refresh requests', align: 'right' }, { header: 'failures (each pair)', align: 'right' },
    { header: 'sessions lost', align: 'right' }, { header: 'wall expired', align: 'right' }, { header: 'load before', align: 'right' },
  ];
  return renderTable(columns, rows.map((r): Cell[] => [
    String(r.processes), r.build, String(r.pairs),
    `${(r.freshCpuMs / 1000).toFixed(2)} s`, `${(r.expiredCpuMs / 1000).toFixed(2)} s`,
    { text: `${r.cpuRatio.toFixed(2)}x`, tone: r.cpuRatio <= limit ? 'good' : 'bad' },
    r.cpuRatios.map((x) => x.toFixed(2)).join(' '),
    r.refreshRequests.join(' '),
    { text: r.failures.join(' '), tone: r.failures.every((f) => f === 0) ? 'good' : 'bad' },
    { text: String(r.sessionsLost), tone: r.sessionsLost === 0 ? 'good' : 'bad' },
    `${(r.expiredWallMs / 1000).toFixed(1)} s`, r.loadBefore.toFixed(1),
  ]), style);
}
