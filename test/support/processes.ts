import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const cliPath = path.join(repoRoot, 'dist', 'cli.js');

/** Result of one finished child process. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a child to completion, feeding `input` on stdin. */
export function run(command: string, args: string[], options: SpawnOptions & { input?: string } = {}): Promise<Finished> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => { stdout += d; });
    child.stderr!.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: performance.now() - started }));
    // A child that exits without reading its input (a usage error, say) closes the pipe:
    // EPIPE there is that child's answer, not the test's failure.
    child.stdin!.on('error', (error: NodeJS.ErrnoException) => { if (error.code !== 'EPIPE') reject(error); });
    child.stdin!.end(options.input ?? '');
  });
}

/** Runs the built CLI (`node dist/cli.js ...`). */
export function runCli(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Finished> {
  return run(process.execPath, [cliPath, ...args], { env, input });
}

/** A CLI child still running: its output so far, a way to wait for a line, and its end. */
export interface RunningCli {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with the first match of `pattern` in stderr (where prompts go). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  done: Promise<Finished>;
}

/** Starts the built CLI and returns at once; `input`, when given, is written to its stdin (else stdin is /dev/null). */
export function startCli(args: string[], env: NodeJS.ProcessEnv, input?: string): RunningCli {
  const started = performance.now();
  const child = spawn(process.execPath, [cliPath, ...args], { env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr += d; for (const l of listeners) l(); });
  const done = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => { for (const l of listeners) l(); resolve({ code, signal, stdout, stderr, ms: performance.now() - started }); });
  });
  if (input !== undefined) child.stdin!.end(input);
  return {
    child,
    get stdout() { return stdout; },
    get stderr() { return stderr; },
    done,
    waitForStderr(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(stderr);
          if (match) { finish(); resolve(match); } else if (child.exitCode !== null || child.signalCode !== null) {
            finish(); reject(new Error(`credshare exited before printing ${pattern}; stderr: ${stderr}; stdout: ${stdout}`));
          }
        };
        const timer = setTimeout(() => { finish(); reject(new Error(`no ${pattern} within ${timeoutMs} ms; stderr: ${stderr}`)); }, timeoutMs);
        const finish = (): void => { clearTimeout(timer); listeners.delete(check); };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Starts a TypeScript child through tsx, the way tests run. */
export function spawnTs(file: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

/** Resolves with the first stdout line matching `pattern`. */
export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; got: ${buffer}`)), timeoutMs);
    child.stdout!.on('data', (d) => {
      buffer += d;
      const line = buffer.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) { clearTimeout(timer); resolve(line); }
    });
    child.on('exit', () => { clearTimeout(timer); reject(new Error(`child exited before printing ${pattern}; got: ${buffer}`)); });
  });
}
