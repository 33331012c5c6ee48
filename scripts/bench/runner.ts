import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..');

/** One program the runner starts: argv[0] absolute, environment as NAME=value lines. */
export interface RunnerSubject {
  name: string;
  argv: string[];
  env: NodeJS.ProcessEnv;
  input?: string;
}

/** One finished child, as native/cmd/bench-runner reports it (from wait4's rusage). */
export interface RunnerRun {
  wallUs: number;
  cpuUs: number;
  maxRssKb: number;
  code: number;
  stdout?: string;
  stderr?: string;
}

/**
 * native/cmd/bench-runner, built once per bench into a temporary directory (it is not
 * shipped): Node's spawnSync adds a millisecond or more per child, as much as the native
 * client's whole call, so the bench starts its subjects from Go.
 */
export class Runner {
  private constructor(private readonly binary: string, private readonly dir: string, readonly goFloor: string) {}

  /** Builds the runner and bench-floor (an empty Go program, built as the client is). */
  static build(): Runner {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-bench-runner-'));
    const go = (out: string, pkg: string, ...flags: string[]) => {
      const result = spawnSync(process.env.GO || 'go', ['build', ...flags, '-o', path.join(dir, out), pkg], { cwd: path.join(repoRoot, 'native'), encoding: 'utf8', env: { ...process.env, CGO_ENABLED: '0' } });
      if (result.status !== 0) throw new Error(`cannot build ${pkg} for the bench: ${result.stderr || result.error?.message}`);
      return path.join(dir, out);
    };
    return new Runner(go('bench-runner', './cmd/bench-runner'), dir, go('bench-floor', './cmd/bench-floor', '-trimpath', '-ldflags=-s -w'));
  }

  /** Every round runs every subject once, one process at a time, in an order rotated each round. */
  async alternate(subjects: RunnerSubject[], rounds: number): Promise<RunnerRun[][]> {
    const out = await this.call({ mode: 'alternate', rounds, subjects: subjects.map(wire) });
    return (out as { runs: RunnerRun[][] }).runs;
  }

  /** `count` copies at once; wall time from the first start to the last exit. */
  async storm(subject: RunnerSubject, count: number): Promise<{ wallUs: number; runs: RunnerRun[] }> {
    return await this.call({ mode: 'storm', count, subjects: [wire(subject)] }) as { wallUs: number; runs: RunnerRun[] };
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private call(job: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      // Asynchronous, so that an issuer or agent living in this process keeps answering.
      const child = spawn(this.binary, [], { stdio: ['pipe', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout.on('data', (d) => { stdout += d; });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`bench runner exited ${code}`))));
      child.stdin.end(JSON.stringify(job));
    });
  }
}

function wire(subject: RunnerSubject) {
  return {
    name: subject.name,
    argv: subject.argv,
    env: Object.entries(subject.env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`),
    input: subject.input ?? '',
  };
}

/** A process's CPU time so far (user + system), ms, from /proc (Linux); undefined when it is gone. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** A process's resident set size now, KiB, from /proc (Linux). */
export function processRssKb(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
