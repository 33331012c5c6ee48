import * as path from 'node:path';
import * as lockfile from 'proper-lockfile';
import { LockTimeoutError, StoreError, errnoCode } from './errors';
import { clearLockOwner, readLockOwner, recordLockOwner } from './lock-owner';
import { ensurePrivateDir } from './private-files';
import { sleep } from './timing';

/** A lock this process holds. `compromised` turns true if another process took it over. */
export interface HeldLock {
  readonly compromised: boolean;
  release(): Promise<void>;
}

/**
 * The cross-process refresh lock, over proper-lockfile (an mkdir'd directory whose
 * mtime the holder keeps touching). A holder that dies stops touching it, and after
 * `staleMs` the next process takes it over: a crashed process heals by itself.
 */
export class CrossProcessLock {
  readonly lockPath: string;

  constructor(readonly dir: string, readonly staleMs: number) {
    this.lockPath = path.join(dir, 'refresh.lock');
  }

  /** Takes the lock if it is free (or stale); undefined if a live process holds it. Never waits. */
  async tryAcquire(): Promise<HeldLock | undefined> {
    ensurePrivateDir(this.dir);
    const state = { compromised: false };
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(this.dir, {
        ...this.options(),
        retries: 0,
        // The default throws from a timer and kills the process; a laptop waking from
        // sleep must not crash us. The coordinator checks `compromised` and persists
        // with compare-and-set, so a takeover cannot make us overwrite a newer session.
        onCompromised: () => { state.compromised = true; },
      });
    } catch (error) {
      if (errnoCode(error) === 'ELOCKED') return undefined;
      // The lock directory vanished while we were taking it: two waiters took over the
      // same stale lock at once, and the other's rmdir removed the one we had just made
      // (proper-lockfile checks staleness, then removes). Someone is taking it: wait.
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw new StoreError(this.lockPath, `cannot be created (${errnoCode(error) ?? String(error)})`,
        'credshare never refreshes without its lock: make the directory writable, or set CREDSHARE_HOME to another one.', { cause: error });
    }
    // Beside the lock, so `credshare doctor` can say who holds it.
    recordLockOwner(this.dir);
    return {
      get compromised() { return state.compromised; },
      release: async () => {
        clearLockOwner(this.dir);
        try {
          await release();
        } catch {
          // Already released or taken over (ERELEASED, ENOTACQUIRED): nothing left to undo.
        }
      },
    };
  }

  /**
   * Waits for the lock, for short writes that must not race a refresh (sign-in,
   * sign-out, marking a token rejected). Fails with a clear error after `timeoutMs`.
   */
  async acquire(timeoutMs: number): Promise<HeldLock> {
    const started = Date.now();
    for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
      const held = await this.tryAcquire();
      if (held) return held;
      if (Date.now() - started >= timeoutMs) throw this.timeoutError(Date.now() - started);
      await sleep(delay);
    }
  }

  /** Runs `work` holding the lock, and releases it however `work` ends. */
  async withLock<T>(timeoutMs: number, work: (held: HeldLock) => Promise<T>): Promise<T> {
    const held = await this.acquire(timeoutMs);
    try {
      return await work(held);
    } finally {
      await held.release();
    }
  }

  /** True while a live process holds the lock (a stale lock counts as free). */
  async isHeld(): Promise<boolean> {
    try {
      return await lockfile.check(this.dir, this.options());
    } catch {
      return false;
    }
  }

  /** The error for a wait that ran out: never a reason to refresh unguarded. */
  timeoutError(waitedMs: number): LockTimeoutError {
    const owner = readLockOwner(this.dir);
    const holder = owner ? `, held by process ${owner.pid}${owner.command ? ` (${owner.command})` : ''} since ${Math.round((Date.now() - owner.since) / 1000)}s ago` : '';
    return new LockTimeoutError(`Gave up after ${Math.round(waitedMs / 1000)}s waiting for another credshare process to finish refreshing (lock ${this.lockPath}${holder}). `
      + 'Your credentials are kept. Try again; if it keeps happening, run `credshare doctor` to see who holds the lock.');
  }

  private options(): lockfile.LockOptions {
    return {
      lockfilePath: this.lockPath,
      realpath: false,
      stale: this.staleMs,
      // proper-lockfile wants update in [1000, stale/2]; touching more often than that
      // keeps a busy holder from looking stale.
      update: Math.max(1000, Math.min(Math.floor(this.staleMs / 3), Math.floor(this.staleMs / 2))),
    };
  }
}
