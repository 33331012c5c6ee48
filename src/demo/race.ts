import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** dist/cli.js, the CLI exactly as users run it (`npm run build` writes it). */
export const cliPath = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');

/** What a build tool asks a Bazel credential helper for. */
export const BAZEL_REQUEST = JSON.stringify({ uri: 'https://artifacts.example.com/file.tar.gz' });

/** One kind of process in a race: arguments after `node dist/cli.js`, and its standard input. */
export interface RaceCommand {
  args: string[];
  input: string;
}

export const HELPER_GET: RaceCommand = { args: ['helper', '--protocol', 'bazel', 'get'], input: BAZEL_REQUEST };
export const TOKEN: RaceCommand = { args: ['token'], input: '' };
/** `credshare token --json`: the token with its expiry. */
export const TOKEN_JSON: RaceCommand = { args: ['token', '--json'], input: '' };
/** What git asks its credential helper for (git-credential(1)). */
export const GIT_GET: RaceCommand = { args: ['helper', '--protocol', 'git', 'get'], input: 'protocol=https\nhost=artifacts.example.com\n\n' };

/** One finished process. */
export interface ProcessResult {
  code: number | null;
  /** From spawn to exit, milliseconds. */
  ms: number;
  /** The access token it printed, if any. */
  token?: string;
  /** When it said that token expires (epoch ms; whole seconds for the helpers), where its output says. */
  expiresAt?: number;
  stderr: string;
}

export interface RaceResult {
  /** From the first spawn to the last exit, milliseconds. */
  wallMs: number;
  /**
   * CPU time (user + system) of all the race's processes, milliseconds, where the platform
   * tells (Linux: the children's times this process collected as it reaped them).
   */
  cpuMs?: number;
  results: ProcessResult[];
}

export interface RaceOptions {
  /** Command line of every process: `[node, ...argv]` gets `args` appended. Default: `node dist/cli.js`. */
  argv?: string[];
  env: NodeJS.ProcessEnv;
  processes: number;
  /** Process i runs commands[i % commands.length]. */
  commands: RaceCommand[];
  /** Called as each process exits, with how many have. */
  onExit?: (done: number) => void;
  /**
   * Run the processes at this niceness (0: as this process). The embedded issuer stands for
   * a remote server with CPU of its own; at N=1000 on two cores it would otherwise get
   * 1/1000 of the CPU and time out requests itself.
   */
  niceness?: number;
}

/**
 * Starts all the processes at once and resolves when the last one has exited. Standard
 * input comes from a file, as a shell redirect would give it: fed through pipes by this
 * single process, busy spawning hundreds of others on a loaded machine, every child
 * waited for its own request to be written, and the race measured this harness instead.
 */
export async function runRace(options: RaceOptions): Promise<RaceResult> {
  const argv = options.argv ?? [cliPath];
  const inputs = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-race-'));
  const inputFiles = options.commands.map((command, i) => {
    const file = path.join(inputs, `input-${i}`);
    fs.writeFileSync(file, command.input);
    return file;
  });
  try {
    const cpuBefore = reapedChildrenCpuMs();
    const started = performance.now();
    let done = 0;
    const results = await Promise.all(Array.from({ length: options.processes }, (_, i) => {
      const k = i % options.commands.length;
      return runOne(argv, options.commands[k]!, inputFiles[k]!, options.env, options.niceness ?? 0).then((result) => {
        options.onExit?.(++done);
        return result;
      });
    }));
    const wallMs = performance.now() - started;
    const cpuAfter = reapedChildrenCpuMs();
    return { wallMs, ...(cpuBefore !== undefined && cpuAfter !== undefined ? { cpuMs: cpuAfter - cpuBefore } : {}), results };
  } finally {
    fs.rmSync(inputs, { recursive: true, force: true });
  }
}

function runOne(argv: string[], command: RaceCommand, inputFile: string, env: NodeJS.ProcessEnv, niceness: number): Promise<ProcessResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    // A descriptor of its own per child (a shared one would share the read offset).
    const stdin = fs.openSync(inputFile, 'r');
    const child = (() => {
      try {
        return spawn(process.execPath, [...argv, ...command.args], { env, stdio: [stdin, 'pipe', 'pipe'] });
      } finally {
        fs.closeSync(stdin);
      }
    })();
    if (niceness && child.pid) {
      try {
        os.setPriority(child.pid, niceness);
      } catch {
        // Already gone, or not allowed here: it runs at our priority, which is still fair between modes.
      }
    }
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', (error) => resolve({ code: null, ms: performance.now() - started, stderr: `${stderr}${error.message}` }));
    child.on('close', (code) => {
      const expiresAt = code === 0 ? expiryIn(stdout) : undefined;
      resolve({ code, ms: performance.now() - started, token: code === 0 ? tokenIn(stdout) : undefined, ...(expiresAt === undefined ? {} : { expiresAt }), stderr });
    });
  });
}

/** The expiry in `credshare token --json` (expiresAt), a Bazel answer (expires) or a git answer (password_expiry_utc). */
function expiryIn(stdout: string): number | undefined {
  const text = stdout.trim();
  const git = /^password_expiry_utc=(\d+)$/m.exec(text);
  if (git) return Number(git[1]) * 1000;
  if (!text.startsWith('{')) return undefined;
  try {
    const answer = JSON.parse(text) as { expiresAt?: unknown; expires?: unknown };
    if (typeof answer.expiresAt === 'number') return answer.expiresAt;
    return typeof answer.expires === 'string' ? Date.parse(answer.expires) : undefined;
  } catch {
    return undefined;
  }
}

/** The token in a `credshare token` line (or its --json), a Bazel helper answer or a git helper answer. */
function tokenIn(stdout: string): string | undefined {
  const text = stdout.trim();
  const password = /^password=(.*)$/m.exec(text);
  if (password) return password[1];
  if (!text.startsWith('{')) return text || undefined;
  try {
    const answer = JSON.parse(text) as { headers?: { Authorization?: string[] }; accessToken?: unknown };
    if (typeof answer.accessToken === 'string') return answer.accessToken;
    return answer.headers?.Authorization?.[0]?.replace(/^Bearer /, '');
  } catch {
    return undefined;
  }
}

/**
 * User + system CPU of every child this process has reaped, in ms: fields 16 and 17
 * (cutime, cstime) of /proc/self/stat, in clock ticks (100 a second on Linux). The race's
 * children are the only ones reaped in between (the issuer's process lives on), so the
 * difference around a race is the race's CPU, whatever else the machine runs: the figure a
 * shared machine disturbs least. Undefined where there is no /proc.
 */
export function reapedChildrenCpuMs(): number | undefined {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}
