import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { CrossProcessLock } from '../core/lock';
import { writePrivateFileAtomic } from '../core/private-files';
import type { SecretStorageLike } from './secret-store';

/** A probe value and, once known, the verdict; no secret (the probe value is random and useless). */
interface ProbeFile {
  value: string;
  writer: string;
  at: number;
  notShared?: { detectedBy: string; at: number };
}

/** How non-shared SecretStorage was found out, and whether this window found it. */
export interface NotSharedFinding {
  how: string;
  foundHere: boolean;
}

export const PROBE_KEY = 'credshare.sharing-probe';
const PROBE_FILE = 'secret-storage-probe.json';
/** With file events, a look at the probe file this often catches an event lost. */
const SAFETY_CHECK_MS = 60_000;

/**
 * Finds out whether this host shares SecretStorage between windows (desktop VS Code does;
 * the web workbench was seen not to). Each window, holding the lock, writes a random value
 * to SecretStorage and the same value to a file beside the lock. Every other window that
 * sees the file change expects its own SecretStorage to show that value within `patienceMs`;
 * if it does not, SecretStorage is not shared, the verdict goes into the file (so every
 * window, and windows opened later, learn it) and `onNotShared` is called, once.
 * No `vscode` import: unit tests run it against in-memory fakes of SecretStorage.
 */
export class SecretSharingProbe {
  private readonly file: string;
  private readonly me = randomBytes(8).toString('hex');
  private readonly disposables: { dispose(): unknown }[] = [];
  private found = false;
  private checking = false;

  constructor(
    private readonly secrets: SecretStorageLike,
    private readonly lock: CrossProcessLock,
    private readonly onNotShared: (finding: NotSharedFinding) => void,
    private readonly warn: (message: string) => void,
    private readonly patienceMs = 5000,
  ) {
    this.file = path.join(lock.dir, PROBE_FILE);
  }

  /** Announces this window and starts watching for the others' announcements. */
  async start(lockTimeoutMs: number): Promise<void> {
    const known = this.readFile();
    if (known?.notShared) return this.conclude(`recorded by another window at ${new Date(known.notShared.at).toISOString()}`, false);
    await this.lock.withLock(lockTimeoutMs, async () => {
      const value = randomBytes(16).toString('hex');
      await this.secrets.store(PROBE_KEY, value);
      this.writeFile({ value, writer: this.me, at: Date.now() });
    });
    let watched = false;
    try {
      const watcher = fs.watch(this.lock.dir, (_e, f) => { if (!f || f === PROBE_FILE) void this.onFileChange(); });
      watcher.on('error', () => watcher.close());
      this.disposables.push({ dispose: () => watcher.close() });
      watched = true;
    } catch {
      // The poll below is enough.
    }
    // Events carry the news; the timer is the safety net (every second only where nothing can be watched).
    const timer = setInterval(() => void this.onFileChange(), watched ? SAFETY_CHECK_MS : 1000);
    timer.unref?.();
    this.disposables.push({ dispose: () => clearInterval(timer) });
  }

  private async onFileChange(): Promise<void> {
    if (this.found || this.checking) return;
    const probe = this.readFile();
    if (!probe) return;
    if (probe.notShared) return this.conclude(`found by window ${probe.notShared.detectedBy}`, false);
    if (probe.writer === this.me) return;
    this.checking = true;
    try {
      const deadline = Date.now() + this.patienceMs;
      for (;;) {
        const expected = this.readFile();
        if (!expected || expected.notShared || expected.writer === this.me) return;
        if ((await this.secrets.get(PROBE_KEY)) === expected.value) return; // Shared (so far).
        if (Date.now() >= deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await this.lock.withLock(10_000, async () => {
        const now = this.readFile();
        if (now && !now.notShared) this.writeFile({ ...now, notShared: { detectedBy: this.me, at: Date.now() } });
      });
      this.conclude(`window ${this.me} did not see another window's SecretStorage write within ${this.patienceMs / 1000}s`, true);
    } catch (error) {
      this.warn(`SecretStorage sharing probe: ${(error as Error).message}`);
    } finally {
      this.checking = false;
    }
  }

  private conclude(how: string, foundHere: boolean): void {
    if (this.found) return;
    this.found = true;
    this.onNotShared({ how, foundHere });
  }

  private readFile(): ProbeFile | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as ProbeFile;
    } catch {
      return undefined;
    }
  }

  private writeFile(probe: ProbeFile): void {
    writePrivateFileAtomic(this.file, JSON.stringify(probe) + '\n');
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
