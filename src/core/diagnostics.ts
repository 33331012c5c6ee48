import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isProcessRunning, readLockOwner, type LockOwner } from './lock-owner';

/**
 * Checks behind `credshare doctor`, kept apart from its presentation so the extension
 * can show the same facts. Each returns plain, non-secret data: modes, owners, ages, pids.
 */

/** What a file or directory of the home looks like, and what is wrong with it, if anything. */
export interface PathReport {
  path: string;
  exists: boolean;
  /** Octal permission bits, e.g. "0600". */
  mode?: string;
  problem?: string;
}

/** `expect` says what it should be; secret files and the home must not be open to others. */
export function inspectPath(target: string, expect: 'directory' | 'file', mustBePrivate: boolean): PathReport {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { path: target, exists: false } : { path: target, exists: false, problem: `cannot be inspected (${code})` };
  }
  const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
  const report: PathReport = { path: target, exists: true, mode };
  if (stat.isSymbolicLink()) report.problem = 'is a symbolic link (credshare refuses to follow it)';
  else if (expect === 'directory' ? !stat.isDirectory() : !stat.isFile()) report.problem = `is not a ${expect}`;
  else if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) report.problem = `is owned by uid ${stat.uid}, not you`;
  else if (mustBePrivate && process.platform !== 'win32' && (stat.mode & 0o077) !== 0) report.problem = `is open to other users (run chmod ${expect === 'directory' ? 700 : 600} ${target})`;
  return report;
}

/** The refresh lock as seen from outside. */
export interface LockReport {
  path: string;
  state: 'free' | 'held' | 'stale';
  /** Since the holder last touched the lock. */
  idleMs?: number;
  owner?: LockOwner & { running?: boolean };
}

/**
 * proper-lockfile's lock is a directory whose mtime its holder touches; untouched for
 * `staleMs` it is stale and the next process takes it over. The owner record is ours (lock-owner.ts).
 */
export function inspectLock(home: string, staleMs: number): LockReport {
  const lockPath = path.join(home, 'refresh.lock');
  let mtimeMs: number;
  try {
    mtimeMs = fs.statSync(lockPath).mtimeMs;
  } catch {
    return { path: lockPath, state: 'free' };
  }
  const idleMs = Math.max(0, Date.now() - mtimeMs);
  const owner = readLockOwner(home);
  return {
    path: lockPath,
    state: idleMs < staleMs ? 'held' : 'stale',
    idleMs,
    ...(owner ? { owner: { ...owner, ...(owner.host === os.hostname() ? { running: isProcessRunning(owner.pid) } : {}) } } : {}),
  };
}

/** Credential-helper settings of git and docker that mention credshare (no secrets: helper names only). */
export function helperSettings(env: NodeJS.ProcessEnv): { git: string[]; docker: string[] } {
  const git: string[] = [];
  const result = spawnSync('git', ['config', '--get-regexp', '^credential\\..*helper$'], { encoding: 'utf8', timeout: 3000, env });
  for (const line of (result.stdout ?? '').split('\n')) if (line.includes('credshare')) git.push(line.trim());
  const docker: string[] = [];
  const dockerConfig = path.join(env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker'), 'config.json');
  try {
    const config = JSON.parse(fs.readFileSync(dockerConfig, 'utf8')) as { credsStore?: unknown; credHelpers?: Record<string, unknown> };
    if (config.credsStore === 'credshare') docker.push(`${dockerConfig}: "credsStore": "credshare" (every registry)`);
    for (const [registry, helper] of Object.entries(config.credHelpers ?? {})) {
      if (helper === 'credshare') docker.push(`${dockerConfig}: credHelpers ${registry} -> credshare`);
    }
  } catch {
    // No docker configuration: nothing to report.
  }
  return { git, docker };
}
