import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StoreError, errnoCode } from './errors';
import { describeWriteError, ensurePrivateDir, writePrivateFileAtomic } from './private-files';
import { isProcessRunning, processLabel } from './lock-owner';
import { fingerprint } from './session';

/** What the last refresh of a profile came to, as the lock holder wrote it. No secrets. */
export interface RefreshOutcome {
  outcome: 'refreshed' | 'failed' | 'signed-out';
  /** Fingerprint of the refresh token that was presented. */
  presented: string;
  at: number;
  /** For `failed`: the message the holder reported, for waiters to report too. */
  message?: string;
  /** Fingerprints of refresh tokens known to be spent (newest last). */
  spent: string[];
  /**
   * For `failed`: until when (epoch ms) no process should present this token again; a
   * process that starts meanwhile reports `message` instead of repeating a doomed request.
   */
  retryAt?: number;
  /** For `failed`: the pid of the process that failed. */
  by?: number;
  /**
   * For `failed`: the refusal table's class (refusal-table.ts), so that every process that
   * waited reports the failure as the refresher did (same message, same exit code).
   * Absent (older records): `transient`.
   */
  kind?: 'client' | 'transient';
  /** The refusal table's row that decided (`failed` and `signed-out`), for `doctor`. */
  refusal?: string;
  /**
   * For `signed-out`: why, when credshare can tell. `reused-rotated-token`: the refused
   * token had been claimed by a process that died without recording an outcome (see
   * {@link TokenClaim.takenOverFrom}), so the issuer had most likely already rotated it.
   */
  cause?: 'reused-rotated-token';
  /** For `reused-rotated-token`: the process that died while redeeming the token. */
  lostBy?: ClaimHolder;
  /**
   * Fingerprints of refresh request shapes that succeeded (refresh-grant.ts): kept across
   * outcomes like `spent`, newest last.
   */
  shapes?: string[];
}

/** Who held a claim: a process, and when it claimed (no secrets). */
export interface ClaimHolder {
  pid: number;
  /** Epoch ms of the claim. */
  at?: number;
  /** What the process was, e.g. "credshare token" or "VS Code window" (lock-owner.ts). */
  command?: string;
}

/** The exclusive right to present one refresh token (see {@link RefreshRecord.claim}). */
export interface TokenClaim {
  /** Gives the token up: call after the outcome is recorded, so no one can present a spent token. */
  release(): void;
  /**
   * Set when this claim was taken over from a process that died holding it: that process
   * may have sent the token, and the issuer may have rotated it, before it died.
   */
  takenOverFrom?: ClaimHolder;
}

/** Returned by {@link RefreshRecord.claim} when a live process holds the claim. */
export class ClaimedElsewhere {
  /** `token` is the fingerprint of the claimed refresh token (for {@link RefreshRecord.claimant}). */
  constructor(readonly pid: number, readonly token = '') {}
}

/** Generations of takeovers from dead claimers before giving up (each one is a process that died mid-refresh). */
const MAX_CLAIM_GENERATIONS = 16;

const SPENT_KEPT = 32;
const SHAPES_KEPT = 8;

/**
 * A small non-secret record beside the lock, written by the holder after each refresh.
 * It tells waiters how a refresh ended (so a thousand waiters report one failure instead
 * of each retrying it), and which refresh tokens are spent, so that a process whose
 * store shows an old token (a window whose SecretStorage is not shared) never presents
 * it again. Advisory: an unreadable record is treated as empty.
 */
export class RefreshRecord {
  readonly file: string;

  constructor(dir: string) {
    this.file = path.join(dir, 'refresh-state.json');
  }

  read(profile: string): RefreshOutcome | undefined {
    return this.readAll()[profile];
  }

  /** Whether `refreshToken` was already redeemed: presenting it would get the grant revoked. */
  isSpent(profile: string, refreshToken: string): boolean {
    return this.read(profile)?.spent.includes(fingerprint(refreshToken)) ?? false;
  }

  /** Records an outcome; callers hold the lock. `provenShape`: a refresh request shape that just succeeded. */
  write(profile: string, outcome: Omit<RefreshOutcome, 'spent' | 'shapes'>, spentNow?: string, provenShape?: string): void {
    const all = this.readAll();
    const spent = [...(all[profile]?.spent ?? [])];
    if (spentNow && !spent.includes(spentNow)) spent.push(spentNow);
    const shapes = (all[profile]?.shapes ?? []).filter((s) => s !== provenShape);
    if (provenShape) shapes.push(provenShape);
    all[profile] = { ...outcome, spent: spent.slice(-SPENT_KEPT), ...(shapes.length ? { shapes: shapes.slice(-SHAPES_KEPT) } : {}) };
    try {
      writePrivateFileAtomic(this.file, JSON.stringify(all) + '\n');
    } catch {
      // Advisory only: the credentials are already persisted, which is what matters.
    }
  }

  /**
   * Claims the right to present the refresh token with this fingerprint. The lock alone
   * cannot give that: a holder frozen past the stale period (a laptop asleep, SIGSTOP, a
   * clock jump) finds on waking that another process took the lock over, two waiters can
   * both take over one stale lock, and the lock directory can be removed underneath. Any
   * of these let two processes present one token, and the issuer revokes the whole grant.
   * A claim is a file created with O_EXCL, so exactly one process ever holds it.
   *
   * A claim whose process has died is taken over (the next generation, again O_EXCL, so
   * only one taker wins): the dead process may or may not have sent its request, and
   * presenting the token is the only way the session can still be saved; if the token was
   * spent, the session died with that process anyway. A claim held by a live process,
   * even a stopped one, is never taken: the caller waits for its outcome instead.
   * Throws a StoreError when the claim cannot be written: no claim, no refresh.
   */
  claim(tokenFingerprint: string): TokenClaim | ClaimedElsewhere {
    const dir = this.claimsDir();
    ensurePrivateDir(dir);
    // Written whole to a temp file, then linked into place: link() fails if the name
    // exists, and a reader never sees a claim without its holder in it.
    const temp = path.join(dir, `.${tokenFingerprint}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      // The command names the holder in a waiter's message (holder-watch.ts) and a lost rotation's (refusal-outcomes.ts).
      fs.writeFileSync(temp, JSON.stringify({ ...processIdentity(process.pid), at: Date.now(), command: processLabel() }), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      fs.rmSync(temp, { force: true });
      throw claimError(temp, error);
    }
    try {
      let takenOverFrom: ClaimHolder | undefined;
      for (let generation = 0; generation < MAX_CLAIM_GENERATIONS; generation++) {
        const file = path.join(dir, `${tokenFingerprint}.${generation}`);
        try {
          fs.linkSync(temp, file);
        } catch (error) {
          if (errnoCode(error) !== 'EEXIST') throw claimError(file, error);
          const holder = readClaim(file);
          if (holder && holder.pid !== process.pid && isAlive(holder)) return new ClaimedElsewhere(holder.pid, tokenFingerprint);
          // Its process died (or the file is unreadable): take over with the next generation.
          if (holder && holder.pid !== process.pid) takenOverFrom = { pid: holder.pid, ...(holder.at ? { at: holder.at } : {}), ...(holder.command ? { command: holder.command } : {}) };
          continue;
        }
        let released = false;
        return {
          ...(takenOverFrom ? { takenOverFrom } : {}),
          release: () => {
            if (released) return;
            released = true;
            for (let g = generation; g >= 0; g--) fs.rmSync(path.join(dir, `${tokenFingerprint}.${g}`), { force: true });
          },
        };
      }
    } finally {
      fs.rmSync(temp, { force: true });
    }
    throw new StoreError(dir, `holds ${MAX_CLAIM_GENERATIONS} claims on one refresh token from processes that died while refreshing`,
      'Remove the directory, then try again; if it happens again, report it with the output of `credshare doctor`.');
  }

  /**
   * The live process that holds a claim on this token, if any: what a waiter watches once
   * {@link claim} sent it away. Undefined when the claim was released (the refresh is
   * over) or its holder died (the next {@link claim} takes it over). Reads only.
   */
  claimant(tokenFingerprint: string): { pid: number; command?: string } | undefined {
    for (let generation = 0; generation < MAX_CLAIM_GENERATIONS; generation++) {
      const file = path.join(this.claimsDir(), `${tokenFingerprint}.${generation}`);
      if (!fs.existsSync(file)) return undefined;
      const holder = readClaim(file);
      if (holder && isAlive(holder)) return { pid: holder.pid, command: holder.command };
    }
    return undefined;
  }

  private claimsDir(): string {
    return path.join(path.dirname(this.file), 'refresh-claims');
  }

  /**
   * Every well-formed entry; anything else (another version's layout, a hand edit, wrong
   * types) is dropped, so the next write rewrites the file clean. Never throws: a record
   * that every refresh tripped over would stop refreshing until removed by hand.
   */
  private readAll(): Record<string, RefreshOutcome> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(this.file, 'utf8'));
    } catch {
      return {};
    }
    const all: Record<string, RefreshOutcome> = {};
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return all;
    for (const [profile, entry] of Object.entries(parsed)) {
      if (isOutcome(entry)) all[profile] = entry;
    }
    return all;
  }
}

const OUTCOMES: readonly unknown[] = ['refreshed', 'failed', 'signed-out'] satisfies RefreshOutcome['outcome'][];

/** Whether `value` has the shape this version writes (optional fields absent or of their type). */
function isOutcome(value: unknown): value is RefreshOutcome {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  const optional = (key: string, type: 'string' | 'number'): boolean => v[key] === undefined || typeof v[key] === type;
  return OUTCOMES.includes(v.outcome) && typeof v.presented === 'string' && typeof v.at === 'number'
    && Array.isArray(v.spent) && v.spent.every((s) => typeof s === 'string')
    && optional('message', 'string') && optional('retryAt', 'number') && optional('by', 'number')
    && optional('kind', 'string') && optional('refusal', 'string') && optional('cause', 'string')
    && (v.shapes === undefined || (Array.isArray(v.shapes) && v.shapes.every((s) => typeof s === 'string')))
    && (v.lostBy === undefined || (typeof v.lostBy === 'object' && v.lostBy !== null && typeof (v.lostBy as { pid?: unknown }).pid === 'number'));
}

/** A process, told apart from a later one that reuses its pid by its start time (Linux). */
interface ProcessIdentity {
  pid: number;
  /** Field 22 of /proc/PID/stat (clock ticks after boot); absent where there is no /proc. */
  start?: string;
  /** In claim files: what the process is ("credshare token"), for messages. */
  command?: string;
}

function processIdentity(pid: number): ProcessIdentity {
  try {
    // The command name (field 2) is parenthesised and may hold spaces: count after the last ')'.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return start ? { pid, start } : { pid };
  } catch {
    return { pid };
  }
}

function readClaim(file: string): (ProcessIdentity & Omit<ClaimHolder, 'pid'>) | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ProcessIdentity & ClaimHolder>;
    if (typeof parsed.pid !== 'number') return undefined;
    return {
      pid: parsed.pid,
      start: typeof parsed.start === 'string' ? parsed.start : undefined,
      ...(typeof parsed.at === 'number' ? { at: parsed.at } : {}),
      ...(typeof parsed.command === 'string' ? { command: parsed.command } : {}),
    };
  } catch {
    return undefined; // unreadable: treated as abandoned
  }
}

/** Alive, stopped included; a pid now used by another process (other start time) is not. */
function isAlive(holder: ProcessIdentity): boolean {
  return isProcessRunning(holder.pid) && (holder.start === undefined || processIdentity(holder.pid).start === holder.start);
}

function claimError(file: string, error: unknown): StoreError {
  return new StoreError(file, `cannot be written (${describeWriteError(error)})`,
    'credshare never presents a refresh token without claiming it first: free some space or fix the permissions of the credshare home, then try again.', { cause: error });
}
