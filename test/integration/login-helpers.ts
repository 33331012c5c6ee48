// Helpers for the login*.test.ts files: drive a running `credshare login` child the way a
// user would (read the URL or code it prints, answer the issuer's pages), and check
// output for secrets.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Session } from '../../src/core/session';
import { cliPath, type Finished } from '../support/processes';

/** A CLI child still running: its output so far, a way to wait for a line, and its end. */
export interface RunningCli {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with the first match of `pattern` in stderr (where prompts go). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  done: Promise<Finished>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv): RunningCli {
  const started = performance.now();
  const child = spawn(process.execPath, [cliPath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr += d; for (const l of listeners) l(); });
  const done = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => { for (const l of listeners) l(); resolve({ code, signal, stdout, stderr, ms: performance.now() - started }); });
  });
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

/** The user code a device login prints, e.g. "BCDF-GHJK". */
export async function deviceCodeOf(cli: RunningCli): Promise<string> {
  return (await cli.waitForStderr(/^\s+([A-Z0-9]{4}-[A-Z0-9]{4})\s*$/m))[1]!;
}

/** The authorization URL a browser login prints. */
export async function authorizationUrlOf(cli: RunningCli): Promise<URL> {
  return new URL((await cli.waitForStderr(/^\s+(https?:\/\/\S+\/auth\?\S+)\s*$/m))[1]!);
}

/** An empty credshare home (not even created yet) and the environment for a child using it. */
export function emptyHome(): { home: string; env: NodeJS.ProcessEnv; config(): Record<string, any>; session(profile?: string): Session | undefined; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-login-'));
  const home = path.join(dir, 'home');
  return {
    home,
    env: { ...process.env, CREDSHARE_HOME: home, CREDSHARE_PROFILE: '', BROWSER: '' },
    config: () => JSON.parse(fs.readFileSync(path.join(home, 'config.json'), 'utf8')),
    session: (profile = 'default') => {
      const file = path.join(home, 'credentials.json');
      return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).sessions[profile] : undefined;
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** Fails if `text` contains any token of the session, or any 12-character piece of one. */
export function assertNoSecrets(text: string, ...sessions: (Session | undefined)[]): void {
  for (const session of sessions) {
    for (const [name, token] of Object.entries({ accessToken: session?.accessToken, refreshToken: session?.refreshToken, idToken: session?.idToken })) {
      if (!token) continue;
      for (let i = 0; i + 12 <= token.length; i += 6) {
        assert.ok(!text.includes(token.slice(i, i + 12)), `output contains part of the ${name}`);
      }
    }
  }
}
