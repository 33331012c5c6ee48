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
    child.stdin!.end(options.input ?? '');
  });
}

/** Runs the built CLI (`node dist/cli.js ...`). */
export function runCli(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Finished> {
  return run(process.execPath, [cliPath, ...args], { env, input });
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
