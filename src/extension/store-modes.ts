import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { TokenCoordinator, type CoordinatorParts } from '../core/coordinator';
import { fileStoreParts } from '../core/file-coordinator';
import { CrossProcessLock } from '../core/lock';
import { refreshWithIssuer } from '../core/oauth/refresh-grant';
import type { HomePaths } from '../core/paths';
import { checkHome, ensurePrivateDir } from '../core/private-files';
import type { Timings } from '../core/profile';
import { RefreshRecord } from '../core/refresh-record';
import type { Session } from '../core/session';
import type { SessionWriteParts } from '../core/session-writes';
import { SecretStorageCredentialStore, type SecretStorageLike } from './secret-store';
import type { StoreSetting } from './settings';

/** One way of keeping sessions: the coordinator over it, and a signal that it may have changed. */
export interface StoreMode extends vscode.Disposable {
  readonly kind: StoreSetting;
  readonly parts: CoordinatorParts & SessionWriteParts;
  readonly coordinator: TokenCoordinator;
  /** Fires (undebounced, possibly for nothing) when the store may have changed. */
  readonly onDidTouch: vscode.Event<void>;
  /** A profile's session as stored now, never waiting for a newer view (account listing, change detection). */
  peek(profile: string): Promise<Session | undefined>;
}

/** What a mode's coordinator reports to the window: its log, and each refresh it starts. */
export type ModeObservers = Pick<CoordinatorParts, 'log' | 'onRefresh'>;

/**
 * File-system events (inotify, FSEvents, ReadDirectoryChangesW) tell a window about every
 * write at no cost while nothing happens; this slow check is only the safety net for an
 * event lost (a network file system, a full inotify queue). Idle, a window wakes once a
 * minute for one stat. A coordinator waiting on a sibling's refresh polls on its own,
 * briefly, so no request waits on this.
 */
export const SAFETY_CHECK_MS = 60_000;
/** Where the store cannot be watched at all: look this often instead (the old behaviour). */
export const POLL_MS = 2000;

abstract class BaseMode implements StoreMode {
  abstract readonly kind: StoreSetting;
  readonly coordinator: TokenCoordinator;
  private readonly touched = new vscode.EventEmitter<void>();
  readonly onDidTouch = this.touched.event;
  protected readonly disposables: vscode.Disposable[] = [this.touched];
  private lastStamp = '';

  private timer: NodeJS.Timeout | undefined;

  constructor(readonly parts: CoordinatorParts & SessionWriteParts) {
    this.coordinator = new TokenCoordinator(parts);
    this.disposables.push({ dispose: () => clearInterval(this.timer) });
  }

  peek(profile: string): Promise<Session | undefined> {
    return this.parts.store.read(profile);
  }

  /** Starts the periodic look at the stamp: slow where `watched`, the old 2-second poll where nothing could be watched. */
  protected checkEvery(watched: boolean): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.poll(), watched ? SAFETY_CHECK_MS : POLL_MS);
    this.timer.unref?.();
  }

  /** Watches `dir` for writes to `file` (renames included: watch the directory, not the inode); false if it cannot. */
  protected watch(dir: string, file: string, log: ((message: string) => void) | undefined): boolean {
    try {
      const watcher = fs.watch(dir, (_event, changed) => {
        if (!changed || changed === file) this.changed();
      });
      // A watcher that dies (the directory removed) falls back to polling.
      watcher.on('error', () => { watcher.close(); this.checkEvery(false); });
      this.disposables.push({ dispose: () => watcher.close() });
      return true;
    } catch (error) {
      log?.(`cannot watch ${dir} (${(error as Error).message}); polling every ${POLL_MS / 1000}s instead`);
      return false;
    }
  }

  /**
   * A file-system or SecretStorage event says the store may have changed: look at its
   * stamp now. Going through the stamp, the next timed poll does not fire again for the
   * same change.
   */
  protected changed(): void {
    void this.poll();
  }

  private async poll(): Promise<void> {
    const stamp = await this.parts.store.changeStamp().catch(() => 'error');
    if (stamp !== this.lastStamp) {
      this.lastStamp = stamp;
      this.touched.fire();
    }
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** `credshare.store: shared`: the CLI's credentials.json, lock and record in the credshare home. */
export class SharedMode extends BaseMode {
  readonly kind = 'shared';

  constructor(paths: HomePaths, timings: Timings, observers: ModeObservers) {
    super({ ...fileStoreParts(paths, timings), ...observers });
    let watched = false;
    try {
      // Never create or tighten a home the CLI would refuse; the backend reports why (issue 12).
      checkHome(paths.home);
      ensurePrivateDir(paths.home);
      watched = this.watch(paths.home, path.basename(paths.credentials), observers.log);
    } catch (error) {
      observers.log?.(`cannot create ${paths.home} (${(error as Error).message}); polling every ${POLL_MS / 1000}s instead`);
    }
    this.checkEvery(watched);
  }
}

/** `credshare.store: secretStorage`: tokens in SecretStorage; lock and record in the extension's global storage. */
export class SecretStorageMode extends BaseMode {
  readonly kind = 'secretStorage';
  private readonly secretStore: SecretStorageCredentialStore;

  constructor(secrets: SecretStorageLike, lockDir: string, timings: Timings, observers: ModeObservers) {
    ensurePrivateDir(lockDir);
    const record = new RefreshRecord(lockDir);
    const store = new SecretStorageCredentialStore(secrets, record);
    super({ store, lock: new CrossProcessLock(lockDir, timings.lockStaleMs), record, refresher: refreshWithIssuer, timings, ...observers });
    this.secretStore = store;
    // After the store's own listener (registered first), which counts the change into its stamp.
    this.disposables.push(store, secrets.onDidChange(() => this.changed()));
    // A sibling window's refresh reaches this one through the record it rewrites, not
    // through SecretStorage events (which only fire for this window's own writes here).
    this.checkEvery(this.watch(lockDir, path.basename(record.file), observers.log));
  }

  /** Without the short wait for a sibling's newer write that a read for a token makes. */
  override peek(profile: string): Promise<Session | undefined> {
    return this.secretStore.readWithoutWaiting(profile);
  }
}
