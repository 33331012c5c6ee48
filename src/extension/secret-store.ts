import * as fs from 'node:fs';
import { StoreError } from '../core/errors';
import type { RefreshRecord } from '../core/refresh-record';
import type { Session } from '../core/session';
import { KEEP, type CredentialStore, type SessionChange } from '../core/store';

/** The part of `vscode.SecretStorage` this store uses; tests pass an in-memory fake. */
export interface SecretStorageLike {
  get(key: string): Thenable<string | undefined>;
  store(key: string, value: string): Thenable<void>;
  delete(key: string): Thenable<void>;
  onDidChange(listener: (e: { key: string }) => unknown): { dispose(): unknown };
}

const KEY_PREFIX = 'credshare.session/';

/** The SecretStorage key of a profile's session. */
export function sessionKey(profile: string): string {
  return KEY_PREFIX + profile;
}

/**
 * Sessions in VS Code's SecretStorage (the OS keychain on the desktop), one secret per
 * profile in the `credentials.json` session shape. Windows coordinate through the core
 * lock and the {@link RefreshRecord} beside it; this store adds one thing: a session whose
 * refresh token the record calls spent is a stale view (a sibling window rotated it and
 * its write has not reached this window yet), so `read` waits a moment for the newer one.
 * If it never comes (SecretStorage not shared), the coordinator refuses to present the
 * spent token, so the issuer never sees it twice.
 */
export class SecretStorageCredentialStore implements CredentialStore {
  readonly location = 'VS Code SecretStorage';
  private changes = 0;
  private readonly waiters = new Set<() => void>();
  private readonly listener: { dispose(): unknown };

  constructor(
    private readonly secrets: SecretStorageLike,
    private readonly record: RefreshRecord,
    private readonly staleWaitMs = 2000,
  ) {
    this.listener = secrets.onDidChange((e) => {
      if (!e.key.startsWith(KEY_PREFIX)) return;
      this.changes++;
      for (const wake of [...this.waiters]) wake();
    });
  }

  async read(profile: string): Promise<Session | undefined> {
    const deadline = Date.now() + this.staleWaitMs;
    for (;;) {
      const seen = this.changes;
      const session = await this.readWithoutWaiting(profile);
      if (!session?.refreshToken || !this.record.isSpent(profile, session.refreshToken) || Date.now() >= deadline) return session;
      if (this.changes === seen) await this.nextChange(deadline - Date.now());
    }
  }

  async update(profile: string, change: (current: Session | undefined) => SessionChange): Promise<Session | undefined> {
    const current = await this.read(profile);
    const next = change(current);
    if (next === KEEP) return current;
    if (next === undefined) {
      if (current !== undefined) await this.secrets.delete(sessionKey(profile));
      return undefined;
    }
    await this.secrets.store(sessionKey(profile), JSON.stringify(next));
    return next;
  }

  /** Changes seen in this window, plus the record a lock holder in any window rewrites after a refresh. */
  async changeStamp(): Promise<string> {
    let recordStamp = 'absent';
    try {
      const stat = fs.statSync(this.record.file);
      recordStamp = `${stat.ino}:${stat.mtimeMs}`;
    } catch {
      // No refresh recorded yet.
    }
    return `${this.changes}:${recordStamp}`;
  }

  dispose(): void {
    this.listener.dispose();
    for (const wake of [...this.waiters]) wake();
  }

  /** The session as SecretStorage has it now, even a view the record calls spent. */
  async readWithoutWaiting(profile: string): Promise<Session | undefined> {
    const text = await this.secrets.get(sessionKey(profile));
    if (text === undefined) return undefined;
    try {
      const session = JSON.parse(text) as Session;
      if (typeof session.accessToken === 'string' && typeof session.refreshToken === 'string' && typeof session.expiresAt === 'number') return session;
    } catch {
      // Reported below.
    }
    throw new StoreError(`${this.location} (${sessionKey(profile)})`, 'holds a session credshare cannot read', 'Run "credshare: Sign Out", then sign in again.');
  }

  private nextChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => { clearTimeout(timer); this.waiters.delete(wake); resolve(); };
      const timer = setTimeout(wake, Math.max(0, Math.min(ms, 250)));
      this.waiters.add(wake);
    });
  }
}
