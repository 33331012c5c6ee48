import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StoreError, errnoCode } from '../core/errors';
import { resolveHome } from '../core/paths';

/** Where the agent of one home listens and keeps its files (docs/agent-protocol.md, "Where the socket is"). */
export interface AgentPaths {
  /** The home, absolute, as `resolveHome` gives it: the id is its hash. */
  home: string;
  id: string;
  dir: string;
  socket: string;
  /** `{"pid","build","home","started","idleTimeoutSeconds"}` of the agent serving the socket. */
  info: string;
  /** proper-lockfile's lock, held while an agent binds. */
  lock: string;
  /** The native client's "an agent is being started" marker. */
  spawn: string;
}

/** The first 16 hex digits of SHA-256 of the home path: the socket's name. */
export function agentId(home: string): string {
  return createHash('sha256').update(home, 'utf8').digest('hex').slice(0, 16);
}

/** The agent paths for the home this environment (and working directory) names. */
export function agentPaths(env: NodeJS.ProcessEnv, cwd?: string): AgentPaths {
  const home = resolveHome(env, cwd).home;
  const id = agentId(home);
  const dir = socketDirectory(env);
  return {
    home, id, dir,
    socket: path.join(dir, `agent-${id}.sock`),
    info: path.join(dir, `agent-${id}.json`),
    lock: path.join(dir, `agent-${id}.lock`),
    spawn: path.join(dir, `agent-${id}.spawn`),
  };
}

/**
 * `$XDG_RUNTIME_DIR/credshare`, else `$TMPDIR/credshare-<uid>`, else `/tmp/credshare-<uid>`;
 * a variable counts only when it holds an absolute path.
 */
export function socketDirectory(env: NodeJS.ProcessEnv): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && path.isAbsolute(runtime)) return path.join(path.resolve(runtime), 'credshare');
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const tmp = env.TMPDIR && path.isAbsolute(env.TMPDIR) ? path.resolve(env.TMPDIR) : '/tmp';
  return path.join(tmp, `credshare-${uid}`);
}

/**
 * Refuses a socket directory anyone but this user could have made or can enter: a
 * symbolic link, not a directory, another owner, any group or other permission. Whoever
 * can write to it could put a socket of their own where clients look for the agent.
 * `create`: make it (0700) when missing. Returns false when missing and not created.
 */
export function checkSocketDirectory(dir: string, create: boolean): boolean {
  let stat: fs.Stats | undefined = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (!stat && create) {
    try {
      fs.mkdirSync(dir, { mode: 0o700 });
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') {
        throw new StoreError(dir, `cannot be created (${errnoCode(error) ?? String(error)})`, 'Check that its parent exists and is writable, or set XDG_RUNTIME_DIR to a private directory of yours.', { cause: error });
      }
    }
    stat = fs.lstatSync(dir);
  }
  if (!stat) return false;
  const fix = `Remove it (the agent makes its own), or point XDG_RUNTIME_DIR at a private directory of yours. Until then every call runs without the agent.`;
  if (stat.isSymbolicLink()) throw new StoreError(dir, 'is a symbolic link, so the agent socket would not be in a directory of yours', fix);
  if (!stat.isDirectory()) throw new StoreError(dir, 'is not a directory', fix);
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) throw new StoreError(dir, `is owned by another user (uid ${stat.uid}), who could put a socket of their own there`, fix);
  if ((stat.mode & 0o077) !== 0) {
    throw new StoreError(dir, `can be used by other users (mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')})`, `Run \`chmod 700 ${dir}\`, or remove it (the agent makes its own).`);
  }
  return true;
}
