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
  /** Ratios of medians to `node -e 0` measured in the same rounds. */
  wallRatio: number;
  rssRatio?: number;
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
 * process itself; peak RSS in a second run under GNU time, whose own start-up would
 * otherwise count in the wall time.
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
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < subjects.length; k++) {
      const i = (round + k) % subjects.length;
      const subject = subjects[i]!;
      const started = performance.now();
      const result = spawnSync(process.execPath, subject.args, { env, input: subject.input });
      walls[i]!.push(performance.now() - started);
      if (result.status !== 0) throw new Error(`${subject.name} failed: ${result.stderr}`);
      if (withTime) {
        spawnSync(TIME, ['-o', rssFile, '-f', '%M', process.execPath, ...subject.args], { env, input: subject.input });
        rss[i]!.push(Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop()));
      }
    }
  }
  fs.rmSync(rssFile, { force: true });
  const baseWall = median(walls[0]!);
  const baseRss = withTime ? median(rss[0]!) : undefined;
  return subjects.map((subject, i) => {
    const rssP50Kb = withTime ? median(rss[i]!) : undefined;
    return {
      name: subject.name,
      runs: rounds,
      wallP50Ms: median(walls[i]!),
      wallP99Ms: percentile(walls[i]!, 99),
      rssP50Kb,
      wallRatio: median(walls[i]!) / baseWall,
      rssRatio: rssP50Kb !== undefined && baseRss ? rssP50Kb / baseRss : undefined,
    };
  });
}
