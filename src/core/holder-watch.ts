import * as fs from 'node:fs';
import { LockTimeoutError } from './errors';
import type { CrossProcessLock } from './lock';
import { isProcessRunning, readLockOwner } from './lock-owner';
import type { RefreshRecord } from './refresh-record';

/**
 * When a waiter stops waiting for another process's refresh (docs/design.md, "Waiting"):
 * never while that process is alive and working, however long a storm or a slow issuer
 * makes it take; only when it makes no progress. A waiter therefore watches the process it
 * waits for, which is one of two:
 *
 * - the lock's holder, while the lock is fresh: proper-lockfile's holder touches the lock
 *   every `lockStaleMs / 3`, so a fresh lock is its proof of life. A holder that stops
 *   touching it (dead, stopped, or starved for the whole stale period) leaves a stale lock,
 *   which the waiter then takes over; or
 * - the process whose claim on the refresh token turned the waiter away (refresh-record.ts):
 *   alive, it may have the token's answer in flight, so nobody else may present the token.
 *   The waiter then watches that process itself.
 *
 * The verdicts: keep waiting; try the lock (it is free or stale, or the claimant is done or
 * dead: a dead holder is not a failure, its lock and claim are taken over and the session
 * healed); or fail, for a claimant *stopped* (SIGSTOP, Ctrl-Z: process state T) for the stale
 * period, or at the hard cap `lockTimeoutMs` whatever the holder does. A failure is a
 * LockTimeoutError, never a reason to refresh unguarded.
 */
export type WaitVerdict =
  | { kind: 'wait' }
  | { kind: 'try-lock' }
  | { kind: 'frozen'; holder: Holder; stoppedMs: number }
  | { kind: 'hard-cap'; holder?: Holder };

/** The process a waiter waits for: its pid, and what it is when known ("credshare token"). */
export interface Holder {
  pid: number;
  command?: string;
}

/** What a process is doing, as far as this machine can tell. */
export type ProcessState = 'running' | 'stopped' | 'gone';

export interface HolderWatchParts {
  lock: CrossProcessLock;
  record: RefreshRecord;
  staleMs: number;
  hardCapMs: number;
}

export class HolderWatch {
  /** When this caller began waiting (epoch ms). */
  readonly startedAt = Date.now();
  private stopped?: { pid: number; since: number };

  constructor(private readonly parts: HolderWatchParts) {}

  /** Milliseconds since this caller began waiting. */
  get waitedMs(): number {
    return Date.now() - this.startedAt;
  }

  /**
   * Looks at the holder once. `claimed` is set when a claim on the refresh token turned this
   * caller away: its fingerprint and the claimant's pid.
   */
  async check(claimed?: { token: string; pid: number }): Promise<WaitVerdict> {
    const now = Date.now();
    // A claimant still at work is who this caller waits for; once its claim is released
    // (the refresh is over) or its process died, whoever holds the lock is.
    const claimant = claimed && this.parts.record.claimant(claimed.token);
    if (claimant !== undefined) {
      const state = processState(claimant.pid);
      if (state === 'gone') return { kind: 'try-lock' };
      if (state !== 'stopped') this.stopped = undefined;
      else if (this.stopped?.pid !== claimant.pid) this.stopped = { pid: claimant.pid, since: now };
      else if (now - this.stopped.since >= this.parts.staleMs) return { kind: 'frozen', holder: claimant, stoppedMs: now - this.stopped.since };
    } else if (!(await this.parts.lock.isHeld())) {
      return { kind: 'try-lock' };
    }
    if (now - this.startedAt < this.parts.hardCapMs) return { kind: 'wait' };
    const owner = readLockOwner(this.parts.lock.dir);
    return { kind: 'hard-cap', holder: claimant ?? (owner && { pid: owner.pid, command: owner.command }) };
  }

  /** The error for a verdict that ends the wait. `profile` names what was being refreshed. */
  failure(verdict: Extract<WaitVerdict, { kind: 'frozen' | 'hard-cap' }>, profile: string): LockTimeoutError {
    const waited = Math.round(this.waitedMs / 1000);
    const name = (holder: Holder): string => `credshare process ${holder.pid}${holder.command ? ` (${holder.command})` : ''}`;
    if (verdict.kind === 'frozen') {
      const { holder } = verdict;
      return new LockTimeoutError(`Gave up after ${waited}s: ${name(holder)} is refreshing profile "${profile}" but has been stopped for ${Math.round(verdict.stoppedMs / 1000)}s `
        + `(suspended: Ctrl-Z or SIGSTOP), and nobody else may present the refresh token it holds. Resume it (\`fg\` in its terminal, or \`kill -CONT ${holder.pid}\`) `
        + 'or end it, then try again. Your credentials are kept.');
    }
    const owner = readLockOwner(this.parts.lock.dir);
    const held = owner ? `, held by process ${owner.pid}${owner.command ? ` (${owner.command})` : ''} since ${Math.round((Date.now() - owner.since) / 1000)}s ago` : '';
    return new LockTimeoutError(`Gave up after ${waited}s waiting for another credshare process to finish refreshing profile "${profile}" (lock ${this.parts.lock.lockPath}${held}): `
      + `${verdict.holder ? name(verdict.holder) : 'it'} is still running but has not finished within the limit of ${Math.round(this.parts.hardCapMs / 1000)}s (lockTimeoutMs). `
      + 'Your credentials are kept. Try again; if it keeps happening, run `credshare doctor` to see who holds the lock.');
  }
}

/**
 * Running (any state but stopped), stopped (T: SIGSTOP or Ctrl-Z; t: stopped by a
 * debugger), or gone (no such process, or a zombie). Linux reads /proc; elsewhere `ps`,
 * which only a waiter turned away by a claim calls, once per look.
 */
export function processState(pid: number): ProcessState {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X' || state === 'x') return 'gone';
    return state === 'T' || state === 't' ? 'stopped' : 'running';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && fs.existsSync('/proc/self/stat')) return 'gone';
  }
  if (!isProcessRunning(pid)) return 'gone';
  try {
    // Required here, not above: a waiter on Linux (every waiter of a storm) never loads it.
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
    const state = execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 }).trim();
    return state.startsWith('T') ? 'stopped' : state === '' || state.startsWith('Z') ? 'gone' : 'running';
  } catch {
    return 'running'; // cannot tell: the hard cap still bounds the wait
  }
}
