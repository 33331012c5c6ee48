import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HomePaths } from '../core/paths';

/**
 * True when config.json names at least one profile: someone has used credshare on this
 * machine. Cheap (one small read), no vscode import, and never throws: an unreadable or
 * half-written file counts as "a profile may exist", so the extension wakes and reports it.
 */
export function profileExists(paths: HomePaths): boolean {
  let text: string;
  try {
    text = fs.readFileSync(paths.config, 'utf8');
  } catch {
    return false;
  }
  try {
    const profiles = (JSON.parse(text) as { profiles?: unknown }).profiles;
    return !!profiles && typeof profiles === 'object' && Object.keys(profiles).length > 0;
  } catch {
    return true;
  }
}

/**
 * Calls `onProfile` once config.json names a profile, from file events on the credshare home
 * (or on its parent while the home does not exist yet) and a slow safety check. Idle, it
 * costs an inotify watch and one read a minute.
 */
export class ProfileAppearance {
  private watcher: fs.FSWatcher | undefined;
  private watchedDir: string | undefined;
  private readonly timer: NodeJS.Timeout;
  private done = false;

  constructor(private readonly paths: HomePaths, private readonly onProfile: () => void, safetyCheckMs = 60_000) {
    this.timer = setInterval(() => this.check(), safetyCheckMs);
    this.timer.unref?.();
    this.arm();
  }

  private arm(): void {
    this.watcher?.close();
    this.watcher = undefined;
    const dir = fs.existsSync(this.paths.home) ? this.paths.home : path.dirname(this.paths.home);
    this.watchedDir = dir;
    try {
      this.watcher = fs.watch(dir, () => this.check());
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // The safety check still runs.
    }
  }

  private check(): void {
    if (this.done) return;
    if (profileExists(this.paths)) {
      this.dispose();
      this.onProfile();
    } else if (this.watchedDir !== this.paths.home && fs.existsSync(this.paths.home)) {
      // The home appeared under the parent we watched: watch the home itself now.
      this.arm();
    }
  }

  dispose(): void {
    this.done = true;
    clearInterval(this.timer);
    this.watcher?.close();
  }
}
