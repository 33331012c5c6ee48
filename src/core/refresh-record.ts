import * as fs from 'node:fs';
import * as path from 'node:path';
import { writePrivateFileAtomic } from './private-files';

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
}

const SPENT_KEPT = 32;

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

  /** Records an outcome; callers hold the lock. */
  write(profile: string, outcome: Omit<RefreshOutcome, 'spent'>, spentNow?: string): void {
    const all = this.readAll();
    const spent = [...(all[profile]?.spent ?? [])];
    if (spentNow && !spent.includes(spentNow)) spent.push(spentNow);
    all[profile] = { ...outcome, spent: spent.slice(-SPENT_KEPT) };
    try {
      writePrivateFileAtomic(this.file, JSON.stringify(all) + '\n');
    } catch {
      // Advisory only: the credentials are already persisted, which is what matters.
    }
  }

  private readAll(): Record<string, RefreshOutcome> {
    try {
      const parsed: unknown = JSON.parse(fs.readFileSync(this.file, 'utf8'));
      return typeof parsed === 'object' && parsed !== null ? parsed as Record<string, RefreshOutcome> : {};
    } catch {
      return {};
    }
  }
}
