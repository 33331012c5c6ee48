import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CredshareError, errnoCode } from '../../core/errors';
import { writeFileAtomic } from '../../core/private-files';

/** The user's home directory for tool configuration: $HOME, as the tools themselves use it. */
export function userHome(env: NodeJS.ProcessEnv): string {
  return env.HOME || os.homedir();
}

/** A tool's configuration file as `setup` found it, and where it will write it. */
export interface ToolFile {
  /** The path the tool uses (for messages). */
  file: string;
  /** The file that is replaced: `file`, or where a link of the user's own, in a directory only they can write, points. */
  target: string;
  /** Its text, or undefined when it does not exist yet. */
  text: string | undefined;
  /** Its permission bits, kept on rewrite; undefined for a new file. */
  mode: number | undefined;
  /** Said (standard error) before writing: the directory other users can write, if it is one. */
  warning?: string;
}

const isPosix = process.platform !== 'win32';

/**
 * Reads a tool's configuration file for `setup`, without trusting anything another
 * local user could have put in its way (issue 16, finding 2). The target may sit in a
 * directory others can write (a team-shared `--bazelrc`, `DOCKER_CONFIG` or `CARGO_HOME`):
 * - such a directory is named in a warning (standard error) before anything is written
 *   into it;
 * - a symbolic link in place of the file is followed only when it is the user's own and
 *   sits in a directory only they (or root) can write: a dotfile manager's link. A link
 *   that another user made, or could have swapped in, is refused, so no other file of the
 *   user's is read or replaced through it;
 * - the file is opened with O_NOFOLLOW and must be a regular file.
 * The write ({@link writeToolFile}) then goes through an exclusive, no-follow temp file
 * with a random name beside the target, whose mode is set on the open descriptor, renamed
 * over the target: a link planted at any temp name is never written through.
 */
export function readToolFile(file: string): ToolFile {
  const given = path.resolve(file);
  let target = given;
  const link = lstatOrUndefined(given);
  if (link?.isSymbolicLink()) {
    const dir = path.dirname(given);
    const unsafe = othersCanWrite(dir);
    if (unsafe || (isPosix && link.uid !== process.getuid?.())) {
      throw new CredshareError(`${given} is a symbolic link ${unsafe ? `in ${dir}, which ${unsafe}` : `that belongs to another user (uid ${link.uid})`}: `
        + 'credshare does not follow it, since whoever made it chooses which of your files would be overwritten. '
        + 'Nothing was changed. Replace the link with a file of your own, or run setup with the path it should write.');
    }
    try {
      target = fs.realpathSync(given);
    } catch (error) {
      throw new CredshareError(`${given} is a symbolic link to a file that cannot be reached (${errnoCode(error) ?? String(error)}); nothing was changed. Create that file, or replace the link with a file.`);
    }
  }
  const dir = existingAncestor(path.dirname(target));
  const unsafe = othersCanWrite(dir);
  const warning = unsafe && `credshare: warning: ${dir} ${unsafe}: they can replace what setup writes there. `
    + `credshare writes ${path.basename(target)} without following any link in it, but keep your tools' configuration in a directory only you can write.`;
  const { text, mode } = readRegularFile(target);
  return { file: given, target, text, mode, ...(warning ? { warning } : {}) };
}

/** Writes `text` over the file {@link readToolFile} found (after its warning, if any, on `warn`); a new file gets `newMode`. */
export function writeToolFile(tool: ToolFile, text: string, warn: (line: string) => void, newMode = 0o644): void {
  if (tool.warning) warn(tool.warning);
  fs.mkdirSync(path.dirname(tool.target), { recursive: true, mode: 0o700 });
  writeFileAtomic(tool.target, text, tool.mode ?? newMode);
}

/**
 * Lets a tool edit its own file format (`git config --file`, `kubectl config --kubeconfig`)
 * on a private copy in a fresh 0700 temp directory; returns the edited text (undefined
 * when the tool wrote nothing and there was no file), for {@link writeToolFile}.
 */
export function editWithTool(tool: ToolFile, edit: (copy: string) => void): string | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-setup-'));
  try {
    const copy = path.join(dir, path.basename(tool.target) || 'config');
    if (tool.text !== undefined) fs.writeFileSync(copy, tool.text, { mode: 0o600, flag: 'wx' });
    edit(copy);
    try {
      return fs.readFileSync(copy, 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return tool.text;
      throw error;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Why other users could change what is in `dir`, or undefined when they cannot. */
export function othersCanWrite(dir: string): string | undefined {
  if (!isPosix) return undefined;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return undefined;
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid && stat.uid !== 0) return `belongs to another user (uid ${stat.uid})`;
  const sticky = (stat.mode & 0o1000) !== 0;
  if ((stat.mode & 0o022) !== 0 && !sticky) {
    return `can be written by other users (mode ${(stat.mode & 0o7777).toString(8).padStart(4, '0')}, no sticky bit)`;
  }
  return undefined;
}

/** The nearest directory that exists, starting at `dir` (setup creates the rest, 0700). */
function existingAncestor(dir: string): string {
  let current = dir;
  while (!fs.existsSync(current) && path.dirname(current) !== current) current = path.dirname(current);
  return current;
}

function lstatOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(file);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
    throw new CredshareError(`${file}: cannot be read (${errnoCode(error) ?? String(error)}).`);
  }
}

/** Text and mode of a regular file, opened without following a link (O_NOFOLLOW) or blocking on a FIFO. */
function readRegularFile(file: string): { text: string | undefined; mode: number | undefined } {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') return { text: undefined, mode: undefined };
    if (code === 'ELOOP') throw new CredshareError(`${file} turned into a symbolic link while setup read it; nothing was changed. Check who can write its directory.`);
    throw new CredshareError(`${file}: cannot be read (${code ?? String(error)}).`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new CredshareError(`${file} is not a regular file; nothing was changed.`);
    return { text: fs.readFileSync(fd, 'utf8'), mode: stat.mode & 0o777 };
  } finally {
    fs.closeSync(fd);
  }
}
