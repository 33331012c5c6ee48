import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

/**
 * A small tmpfs for the disk-full and read-only faults. Needs root (CAP_SYS_ADMIN); where
 * mounting is not allowed, `mountTmpfs` says why and the test is skipped, never faked.
 */
export interface Tmpfs {
  dir: string;
  /** Bytes still free for an unprivileged writer. */
  free(): number;
  remountReadOnly(): void;
  unmount(): void;
}

export function mountTmpfs(dir: string, sizeKb: number): Tmpfs | { unavailable: string } {
  fs.mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim();
    return { unavailable: `cannot mount a tmpfs here (${stderr || 'mount failed'}): needs root with CAP_SYS_ADMIN` };
  }
  return {
    dir,
    free: () => { const s = fs.statfsSync(dir); return s.bavail * s.bsize; },
    remountReadOnly: () => { execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'pipe' }); },
    unmount: () => { try { execFileSync('umount', ['-l', dir], { stdio: 'pipe' }); } catch { /* already gone */ } },
  };
}

/** Fills the file system holding `dir` until exactly `leaveBytes` (rounded to pages) are free. */
export function fillUntil(fsys: Tmpfs, leaveBytes: number, name = 'filler'): void {
  const file = `${fsys.dir}/${name}`;
  const fd = fs.openSync(file, 'a');
  try {
    const page = Buffer.alloc(4096, 0x78);
    while (fsys.free() > leaveBytes) {
      try {
        fs.writeSync(fd, page);
      } catch {
        break; // ENOSPC: full
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}
