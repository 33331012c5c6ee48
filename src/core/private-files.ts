import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { StoreError, errnoCode } from './errors';

/**
 * Files that hold secrets: 0600 files in a 0700 directory, never followed through a
 * symbolic link, never truncated in place. Reads and writes are synchronous on
 * purpose: the files are tiny, and the CLI's hot path is faster without the thread pool.
 */

const isPosix = process.platform !== 'win32';

/** Creates the directory 0700 if missing; refuses a symlink, a non-directory or a foreign owner. */
export function ensurePrivateDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new StoreError(dir, `cannot create the directory (${errnoCode(error) ?? String(error)})`,
      'Check that its parent exists and is writable, or set CREDSHARE_HOME to another directory.', { cause: error });
  }
  const stat = fs.lstatSync(dir);
  if (stat.isSymbolicLink()) {
    throw new StoreError(dir, 'is a symbolic link', 'credshare keeps secrets only in a real directory it owns: replace the link with a directory, or set CREDSHARE_HOME.');
  }
  if (!stat.isDirectory()) {
    throw new StoreError(dir, 'is not a directory', 'Move it aside or set CREDSHARE_HOME to another directory.');
  }
  if (isPosix && typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
    throw new StoreError(dir, `is owned by another user (uid ${stat.uid})`, 'Use a home of your own: set CREDSHARE_HOME.');
  }
  if (isPosix && (stat.mode & 0o077) !== 0) {
    // Tightening our own directory is always safe; loosening never happens.
    fs.chmodSync(dir, 0o700);
  }
}

/**
 * Reads a secret file, or returns undefined when it does not exist. Refuses a symlink
 * (O_NOFOLLOW) and a file that others can read, naming the file and the fix.
 */
export function readPrivateFile(file: string): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') {
      throw new StoreError(file, 'is a symbolic link', 'credshare does not follow links for secrets: move the link aside and sign in again with `credshare login`.');
    }
    if (code === 'ENOTDIR') return undefined;
    throw new StoreError(file, `cannot be read (${code ?? String(error)})`, 'Check its permissions: it should be yours, mode 0600.', { cause: error });
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new StoreError(file, 'is not a regular file', 'Move it aside and sign in again with `credshare login`.');
    if (isPosix && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new StoreError(file, `can be read by other users (mode ${mode})`,
        `Its tokens may have been seen: run \`chmod 600 ${file}\`, then consider \`credshare logout\` and signing in again.`);
    }
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** TEST-ONLY: lets the fault suite stop a process in the middle of a write (test/faults). */
export interface WriteHooks {
  /** Runs when the temp file is written and fsynced, before it is renamed over the target. */
  beforeRename?: () => void;
}

/**
 * Replaces the file atomically: write a 0600 temp file beside it, fsync, rename over
 * the target, fsync the directory. A concurrent reader sees the old or the new
 * content, never a torn one; a crash leaves at most a stray temp file.
 */
export function writePrivateFileAtomic(file: string, content: string, hooks: WriteHooks = {}): void {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0), 0o600);
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    hooks.beforeRename?.();
    fs.renameSync(temp, file);
  } catch (error) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw new StoreError(file, `cannot be written (${describeWriteError(error)})`,
      'Nothing was changed. Free some space or fix the permissions of its directory, then try again.', { cause: error });
  }
  syncDirectory(dir);
}

function describeWriteError(error: unknown): string {
  switch (errnoCode(error)) {
    case 'ENOSPC': return 'the disk is full';
    case 'EDQUOT': return 'the disk quota is exhausted';
    case 'EROFS': return 'the file system is read-only';
    case 'EACCES': case 'EPERM': return 'permission denied';
    default: return errnoCode(error) ?? String(error);
  }
}

/** Makes the rename durable. Some file systems refuse fsync on a directory; that is not worth failing for. */
function syncDirectory(dir: string): void {
  if (!isPosix) return;
  try {
    const fd = fs.openSync(dir, fs.constants.O_RDONLY);
    try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
  } catch {
    // Best effort: the data itself was fsynced before the rename.
  }
}
