import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { StoreError, errnoCode } from './errors';
import { isProcessRunning } from './lock-owner';

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
  const stat = ownRealDirectory(dir, fs.lstatSync(dir));
  if (isPosix && (stat.mode & 0o077) !== 0) {
    // Tightening our own directory is always safe; loosening never happens.
    fs.chmodSync(dir, 0o700);
  }
}

/**
 * Refuses a home credshare must not read from: a symbolic link, not a directory, another
 * user's, or writable by other users. Its config.json and discovery-cache.json are not
 * secret, but they decide where tokens and authorization codes are sent, so a home someone
 * else could have written to (e.g. a CREDSHARE_HOME under /tmp that another user made
 * first) is refused before anything in it is read. A home that does not exist yet is fine.
 * The CLI and the extension both call it, through loadConfig.
 */
export function checkHome(home: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(home);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return;
    throw new StoreError(home, `cannot be read (${errnoCode(error) ?? String(error)})`, 'Check its permissions: it should be yours, mode 0700.', { cause: error });
  }
  ownRealDirectory(home, stat);
  if (isPosix && (stat.mode & 0o022) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
    throw new StoreError(home, `can be written by other users (mode ${mode}), so its config.json and discovery-cache.json may not be yours`,
      `Check those two files (they decide where your tokens go), then run \`chmod 700 ${home}\`; or set CREDSHARE_HOME to a directory of your own.`);
  }
}

/** Refuses a symlink, a non-directory or a foreign owner in place of a secrets directory. */
function ownRealDirectory(dir: string, stat: fs.Stats): fs.Stats {
  if (stat.isSymbolicLink()) {
    throw new StoreError(dir, 'is a symbolic link', 'credshare keeps secrets only in a real directory it owns: replace the link with a directory, or set CREDSHARE_HOME.');
  }
  if (!stat.isDirectory()) {
    throw new StoreError(dir, 'is not a directory', 'Move it aside or set CREDSHARE_HOME to another directory.');
  }
  if (isPosix && typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
    throw new StoreError(dir, `is owned by another user (uid ${stat.uid}), who may have put files in it to redirect your sign-in`,
      'Use a home of your own: set CREDSHARE_HOME (or XDG_CONFIG_HOME) to a directory that you created, or remove this one.');
  }
  return stat;
}

/**
 * Reads a secret file, or returns undefined when it does not exist. Refuses a symlink
 * (O_NOFOLLOW) and a file that others can read, naming the file and the fix.
 */
export function readPrivateFile(file: string): string | undefined {
  // The directory too: a home replaced by a link would otherwise be read through (and
  // served on the lock-free path) while every write refuses it.
  let dirStat: fs.Stats;
  try {
    dirStat = fs.lstatSync(path.dirname(file));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
    throw new StoreError(path.dirname(file), `cannot be read (${errnoCode(error) ?? String(error)})`, 'Check its permissions: it should be yours, mode 0700.', { cause: error });
  }
  ownRealDirectory(path.dirname(file), dirStat);
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
    if (isPosix && typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
      throw new StoreError(file, `is owned by another user (uid ${stat.uid})`, 'credshare uses only tokens of your own: move it aside and sign in again with `credshare login`.');
    }
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

/** A unique temp file beside `file`, hidden, named so a later refresh can sweep strays. */
function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * A new 0600 temp file beside its target (never an existing file, never through a link),
 * that ends either renamed over the target or removed. Both write paths below use it.
 */
class TempFile {
  private readonly path: string;
  private fd: number | undefined;
  private renamed = false;

  constructor(private readonly target: string, mode = 0o600) {
    this.path = tempPathFor(target);
    this.fd = fs.openSync(this.path, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0), 0o600);
    // On the open file, so neither the umask nor a link swapped in by name can change what gets it.
    if (mode !== 0o600 && isPosix) {
      try {
        fs.fchmodSync(this.fd, mode);
      } catch (error) {
        this.discard();
        throw error;
      }
    }
  }

  /** The open descriptor, to write through. */
  get descriptor(): number {
    if (this.fd === undefined) throw new Error('reserved write already committed or discarded');
    return this.fd;
  }

  /** fsync, close, rename over the target, and make the rename durable. */
  replaceTarget(hooks: WriteHooks): void {
    const fd = this.descriptor;
    fs.fsyncSync(fd);
    this.fd = undefined;
    fs.closeSync(fd);
    hooks.beforeRename?.();
    fs.renameSync(this.path, this.target);
    this.renamed = true;
    syncDirectory(path.dirname(this.target));
  }

  /** Closes and removes the temp file; a no-op once it replaced the target. */
  discard(): void {
    if (this.renamed) return;
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    fs.rmSync(this.path, { force: true });
  }
}

/**
 * Replaces the file atomically: write a 0600 temp file beside it, fsync, rename over
 * the target, fsync the directory. A concurrent reader sees the old or the new
 * content, never a torn one; a crash leaves at most a stray temp file.
 */
export function writePrivateFileAtomic(file: string, content: string, hooks: WriteHooks = {}): void {
  writeFileAtomic(file, content, 0o600, hooks);
}

/**
 * {@link writePrivateFileAtomic} for a file that is not secret but must keep a mode (a
 * tool's configuration, rewritten by `credshare setup`): the same exclusive, no-follow temp
 * file with a random name, its mode set on the open descriptor, then fsync and rename. A
 * link planted at a predictable temp name, or at the temp name itself, is never followed.
 */
export function writeFileAtomic(file: string, content: string, mode: number, hooks: WriteHooks = {}): void {
  let temp: TempFile | undefined;
  try {
    temp = new TempFile(file, mode);
    fs.writeFileSync(temp.descriptor, content);
    temp.replaceTarget(hooks);
  } catch (error) {
    temp?.discard();
    throw new StoreError(file, `cannot be written (${describeWriteError(error)})`,
      'Nothing was changed. Free some space or fix the permissions of its directory, then try again.', { cause: error });
  }
}

/**
 * Creates the temp file of a later {@link writePrivateFileAtomic} now, filled with `bytes`
 * of padding and fsynced, so the file system has allocated its blocks. Committing then
 * overwrites those blocks in place: a write that fits needs no new space, and a full disk
 * is found out here, before a refresh spends the refresh token, instead of after it.
 * Throws a StoreError (nothing changed) when the space is not there.
 */
export function reservePrivateWrite(file: string, bytes: number, hooks: WriteHooks = {}): ReservedWrite {
  let temp: TempFile | undefined;
  try {
    temp = new TempFile(file);
    const fd = temp.descriptor;
    const padding = Buffer.alloc(Math.min(bytes, 64 * 1024), 0x20);
    for (let written = 0; written < bytes; written += padding.length) fs.writeSync(fd, padding, 0, Math.min(padding.length, bytes - written));
    fs.fsyncSync(fd);
  } catch (error) {
    throw reservedWriteFailed(file, temp, error, 'cannot be refreshed: there is no room to write the new tokens, so the refresh token was not used');
  }
  return new ReservedWrite(file, temp, hooks);
}

/** A temp file set aside before its content is known (see {@link reservePrivateWrite}). */
export class ReservedWrite {
  constructor(readonly file: string, private readonly temp: TempFile, private readonly hooks: WriteHooks) {}

  /** Replaces the target atomically with `content`, written into the reserved file. */
  commit(content: string): void {
    const fd = this.temp.descriptor;
    try {
      const data = Buffer.from(content, 'utf8');
      fs.writeSync(fd, data, 0, data.length, 0);
      fs.ftruncateSync(fd, data.length);
      this.temp.replaceTarget(this.hooks);
    } catch (error) {
      throw reservedWriteFailed(this.file, this.temp, error, 'cannot be written');
    }
  }

  /** Gives the space back; a no-op after commit. */
  release(): void {
    this.temp.discard();
  }
}

function reservedWriteFailed(file: string, temp: TempFile | undefined, error: unknown, problem: string): StoreError {
  temp?.discard();
  return new StoreError(file, `${problem} (${describeWriteError(error)})`,
    'Free some space or fix the permissions of its directory, then try again.', { cause: error });
}

/**
 * A writer killed between writing its temp file and renaming it leaves the temp behind
 * (0600, but holding tokens, and taking space). Removes those beside `file` whose process
 * is gone (the name says which: {@link tempPathFor}); callers hold the lock.
 */
export function removeDeadWritersTemps(file: string): void {
  const dir = path.dirname(file);
  const prefix = `.${path.basename(file)}.`;
  for (const name of fs.readdirSync(dir)) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isProcessRunning(pid)) fs.rmSync(path.join(dir, name), { force: true });
  }
}

/** "the disk is full", "permission denied", ...: the errno of a failed write, for people. */
export function describeWriteError(error: unknown): string {
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
