import { spawn } from 'node:child_process';
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

/** One finished process. */
export interface ProcessResult {
  code: number | null;
  /** From spawn to exit, milliseconds. */
  ms: number;
  /** The access token it printed, if any. */
  token?: string;
  stderr: string;
}

export interface RaceResult {
  /** From the first spawn to the last exit, milliseconds. */
  wallMs: number;
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
}

/** Starts all the processes at once and resolves when the last one has exited. */
export async function runRace(options: RaceOptions): Promise<RaceResult> {
  const argv = options.argv ?? [cliPath];
  const started = performance.now();
  let done = 0;
  const results = await Promise.all(Array.from({ length: options.processes }, (_, i) => {
    const command = options.commands[i % options.commands.length]!;
    return runOne(argv, command, options.env).then((result) => {
      options.onExit?.(++done);
      return result;
    });
  }));
  return { wallMs: performance.now() - started, results };
}

function runOne(argv: string[], command: RaceCommand, env: NodeJS.ProcessEnv): Promise<ProcessResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...argv, ...command.args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', (error) => resolve({ code: null, ms: performance.now() - started, stderr: `${stderr}${error.message}` }));
    child.on('close', (code) => resolve({ code, ms: performance.now() - started, token: code === 0 ? tokenIn(stdout) : undefined, stderr }));
    child.stdin.on('error', () => {}); // a process that exits before reading its input
    child.stdin.end(command.input);
  });
}

/** The token in a `credshare token` line or a Bazel helper answer. */
function tokenIn(stdout: string): string | undefined {
  const text = stdout.trim();
  if (!text.startsWith('{')) return text || undefined;
  try {
    const header = (JSON.parse(text) as { headers?: { Authorization?: string[] } }).headers?.Authorization?.[0];
    return header?.replace(/^Bearer /, '');
  } catch {
    return undefined;
  }
}
