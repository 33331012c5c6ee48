import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BAZEL_REQUEST, cliPath } from '../../src/demo/race';
import { median, percentile } from '../../src/demo/stats';

/** Figure 1: one process at a time on a fresh token, against bare `node -e 0`. */
export interface HotPathRow {
  name: string;
  runs: number;
  wallP50Ms: number;
  wallP99Ms: number;
  /** Peak resident set size, median, KiB (GNU time's %M); undefined without /usr/bin/time. */
  rssP50Kb?: number;
  /** CPU time (user + system), mean, ms (GNU time's %U + %S, 10 ms resolution, hence the mean). */
  cpuMeanMs?: number;
  /** Ratios of medians (CPU: of means) to `node -e 0` measured in the same rounds. */
  wallRatio: number;
  rssRatio?: number;
  /** Unlike wall time, hardly affected by other processes competing for the cores. */
  cpuRatio?: number;
}

const TIME = '/usr/bin/time';

interface Subject {
  name: string;
  args: string[];
  input: string;
}

/**
 * Runs the subjects in rotating order, one process at a time, so that drift in the
 * machine's load hits all of them alike. Wall time is taken around spawnSync of the
 * process itself; peak RSS and CPU time in a second run under GNU time, whose own
 * start-up would otherwise count in the wall time.
 */
export function hotPath(env: NodeJS.ProcessEnv, rounds: number, scratchDir: string): HotPathRow[] {
  const subjects: Subject[] = [
    { name: 'node -e 0', args: ['-e', '0'], input: '' },
    { name: 'credshare helper --protocol bazel get', args: [cliPath, 'helper', '--protocol', 'bazel', 'get'], input: BAZEL_REQUEST },
    { name: 'credshare token', args: [cliPath, 'token'], input: '' },
  ];
  const withTime = fs.existsSync(TIME);
  const rssFile = path.join(scratchDir, 'rss');
  const walls = subjects.map(() => [] as number[]);
  const rss = subjects.map(() => [] as number[]);
  const cpu = subjects.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < subjects.length; k++) {
      const i = (round + k) % subjects.length;
      const subject = subjects[i]!;
      const started = performance.now();
      const result = spawnSync(process.execPath, subject.args, { env, input: subject.input });
      walls[i]!.push(performance.now() - started);
      if (result.status !== 0) throw new Error(`${subject.name} failed: ${result.stderr}`);
      if (withTime) {
        spawnSync(TIME, ['-o', rssFile, '-f', '%M %U %S', process.execPath, ...subject.args], { env, input: subject.input });
        const [maxRss, user, system] = fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
        rss[i]!.push(maxRss!);
        cpu[i]!.push((user! + system!) * 1000);
      }
    }
  }
  fs.rmSync(rssFile, { force: true });
  const baseWall = median(walls[0]!);
  const baseRss = withTime ? median(rss[0]!) : undefined;
  const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
  const baseCpu = withTime ? mean(cpu[0]!) : undefined;
  return subjects.map((subject, i) => {
    const rssP50Kb = withTime ? median(rss[i]!) : undefined;
    const cpuMeanMs = withTime ? mean(cpu[i]!) : undefined;
    return {
      name: subject.name,
      runs: rounds,
      wallP50Ms: median(walls[i]!),
      wallP99Ms: percentile(walls[i]!, 99),
      rssP50Kb,
      cpuMeanMs,
      wallRatio: median(walls[i]!) / baseWall,
      rssRatio: rssP50Kb !== undefined && baseRss ? rssP50Kb / baseRss : undefined,
      cpuRatio: cpuMeanMs !== undefined && baseCpu ? cpuMeanMs / baseCpu : undefined,
    };
  });
}
