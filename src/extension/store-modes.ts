import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { TokenCoordinator, type CoordinatorParts } from '../core/coordinator';
import { fileStoreParts } from '../core/file-coordinator';
import { CrossProcessLock } from '../core/lock';
import { refreshWithIssuer } from '../core/oauth/refresh-grant';
import type { HomePaths } from '../core/paths';
import { checkHome, ensurePrivateDir } from '../core/private-files';
import type { Timings } from '../core/profile';
import { RefreshRecord } from '../core/refresh-record';
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
}

/** What a mode's coordinator reports to the window: its log, and each refresh it starts. */
export type ModeObservers = Pick<CoordinatorParts, 'log' | 'onRefresh'>;

/** Waiters elsewhere poll too; this is only the backstop for missed file-system events. */
const POLL_MS = 2000;

abstract class BaseMode implements StoreMode {
  abstract readonly kind: StoreSetting;
  readonly coordinator: TokenCoordinator;
  private readonly touched = new vscode.EventEmitter<void>();
  readonly onDidTouch = this.touched.event;
  protected readonly disposables: vscode.Disposable[] = [this.touched];
  private lastStamp = '';

  constructor(readonly parts: CoordinatorParts & SessionWriteParts) {
    this.coordinator = new TokenCoordinator(parts);
    const timer = setInterval(() => void this.poll(), POLL_MS);
    timer.unref?.();
    this.disposables.push({ dispose: () => clearInterval(timer) });
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
    try {
      // Never create or tighten a home the CLI would refuse; the backend reports why (issue 12).
      checkHome(paths.home);
      ensurePrivateDir(paths.home);
      // Writes are renames, so watch the directory, not the file (whose inode changes each time).
      const watcher = fs.watch(paths.home, (_event, file) => {
        if (!file || file === 'credentials.json') this.changed();
      });
      watcher.on('error', () => watcher.close());
      this.disposables.push({ dispose: () => watcher.close() });
    } catch (error) {
      observers.log?.(`cannot watch ${paths.home} (${(error as Error).message}); polling every ${POLL_MS / 1000}s instead`);
    }
  }
}

/** `credshare.store: secretStorage`: tokens in SecretStorage; lock and record in the extension's global storage. */
export class SecretStorageMode extends BaseMode {
  readonly kind = 'secretStorage';

  constructor(secrets: SecretStorageLike, lockDir: string, timings: Timings, observers: ModeObservers) {
    ensurePrivateDir(lockDir);
    const record = new RefreshRecord(lockDir);
    const store = new SecretStorageCredentialStore(secrets, record);
    super({ store, lock: new CrossProcessLock(lockDir, timings.lockStaleMs), record, refresher: refreshWithIssuer, timings, ...observers });
    // After the store's own listener (registered first), which counts the change into its stamp.
    this.disposables.push(store, secrets.onDidChange(() => this.changed()));
  }
}
