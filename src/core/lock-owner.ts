import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Who took the refresh lock, for `credshare doctor`. No secrets. */
export interface LockOwner {
  pid: number;
  host: string;
  /** Epoch ms when the lock was taken. */
  since: number;
  /** What the holder was doing, e.g. "credshare token" (no arguments). */
  command: string;
}

/**
 * The owner record lives beside proper-lockfile's directory, not inside it: the lock is
 * released with rmdir, which fails on a non-empty directory. It is advisory and written
 * without fsync, so the holder pays a fraction of a millisecond; a missing or torn
 * record only makes `doctor` say "unknown".
 */
function lockOwnerFile(dir: string): string {
  return path.join(dir, 'refresh.lock.owner.json');
}

/** Called right after taking the lock. */
export function recordLockOwner(dir: string): void {
  const file = lockOwnerFile(dir);
  const temp = `${file}.${process.pid}.tmp`;
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), since: Date.now(), command: processLabel() };
  try {
    fs.writeFileSync(temp, JSON.stringify(owner) + '\n', { mode: 0o600 });
    fs.renameSync(temp, file);
  } catch {
    fs.rmSync(temp, { force: true });
  }
}

/**
 * Called just before releasing (while still holding, so no successor's record can be
 * removed). Only our own record goes: one who took over our stale lock wrote theirs.
 */
export function clearLockOwner(dir: string): void {
  try {
    if (readLockOwner(dir)?.pid === process.pid) fs.unlinkSync(lockOwnerFile(dir));
  } catch {
    // Advisory only.
  }
}

/** The last recorded owner, or undefined when none is recorded (or it is unreadable). */
export function readLockOwner(dir: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(lockOwnerFile(dir), 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid !== 'number' || typeof parsed.since !== 'number') return undefined;
    return { pid: parsed.pid, host: String(parsed.host ?? ''), since: parsed.since, command: String(parsed.command ?? '') };
  } catch {
    return undefined;
  }
}

/** Whether a pid is alive on this machine (EPERM: alive, someone else's). */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let label: string | undefined;

/**
 * Names this process in the lock owner record and in refresh claims: "credshare token",
 * or what the host set (the extension: "VS Code window"), since an extension host's own
 * command line names only VS Code's bootstrap script.
 */
export function setProcessLabel(name: string): void {
  label = name;
}

/** What this process is, for records other processes read ("credshare token", "VS Code window"). */
export function processLabel(): string {
  return label ?? commandName();
}

/** What this process is, for messages about it: "credshare token", "credshare helper" (no arguments). */
function commandName(): string {
  const script = path.basename(process.argv[1] ?? process.argv0);
  const sub = process.argv[2];
  const name = script === 'cli.js' || script === 'credshare' ? 'credshare' : script;
  return sub && !sub.startsWith('-') && /^[a-z-]+$/.test(sub) ? `${name} ${sub}` : name;
}
