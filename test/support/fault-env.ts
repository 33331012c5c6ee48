import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCredentials } from '../../src/core/file-store';
import type { Finished, RunningCli } from './processes';
import type { SignedInHome } from './issuer-home';

/**
 * Helpers shared by the fault tests: a CLI child that can be killed at a step, and the
 * checks every fault ends with (is the store intact, is the session alive, did anything
 * secret land in a file others can read).
 */

/** Environment that stops a credshare child at `step` of a refresh (src/cli/test-hooks.ts). */
export function pauseAt(env: NodeJS.ProcessEnv, step: string): NodeJS.ProcessEnv {
  return { ...env, CREDSHARE_TEST_PAUSE_AT: step };
}

export const pausedAt = (step: string) => new RegExp(`paused at ${step}\\b`);

/** SIGKILLs the child and waits until it is gone. */
export async function kill(cli: RunningCli): Promise<Finished> {
  cli.child.kill('SIGKILL');
  return cli.done;
}

/** Waits until `predicate` holds, polling; throws with `what` after `timeoutMs`. */
export async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The credentials file parses and has the contract's shape (or does not exist). Throws otherwise. */
export function assertStoreIntact(file: string): void {
  if (!fs.existsSync(file)) return;
  parseCredentials(file, fs.readFileSync(file, 'utf8'));
}

/** True while the issuer accepts the stored refresh token: the session survives. */
export async function sessionAlive(env: SignedInHome): Promise<boolean> {
  let session;
  try {
    session = env.home.readSession();
  } catch {
    return false;
  }
  return !!session && session.refreshToken !== '' && (await env.issuer.isRefreshTokenUsable(session.refreshToken));
}

/**
 * Files under `dir` that contain one of `secrets` and carry any group or other permission
 * bit (the home itself must be 0700 too; that is checked separately).
 */
export function secretsReadableByOthers(dir: string, secrets: string[]): string[] {
  const found: string[] = [];
  const walk = (current: string): void => {
    const stat = fs.lstatSync(current);
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(current)) walk(path.join(current, name));
    } else if (stat.isFile() && (stat.mode & 0o077) !== 0) {
      const text = fs.readFileSync(current, 'utf8');
      if (secrets.some((s) => text.includes(s))) found.push(`${current} (mode ${(stat.mode & 0o777).toString(8)})`);
    }
  };
  walk(dir);
  return found;
}

/** Every token string a session holds, for leak checks. */
export function secretsOf(session: { accessToken?: string; refreshToken?: string; idToken?: string } | undefined): string[] {
  return [session?.accessToken, session?.refreshToken, session?.idToken].filter((s): s is string => !!s && s.length >= 8);
}

/** A scratch directory removed after the test. */
export function scratchDir(t: { after(fn: () => void): void }, prefix = 'credshare-fault-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
