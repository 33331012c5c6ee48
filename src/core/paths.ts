import * as os from 'node:os';
import * as path from 'node:path';

/** The files that make up a credshare home (DESIGN.md, "Contracts"). */
export interface HomePaths {
  readonly home: string;
  readonly config: string;
  readonly credentials: string;
}

/**
 * Resolves the home: `CREDSHARE_HOME`, else `$XDG_CONFIG_HOME/credshare`, else
 * `~/.config/credshare`. Takes the environment (and the working directory a relative
 * value is taken against) as parameters so tests, the extension and the agent (one
 * request's environment) can point at another home without touching `process.env`.
 * The agent's socket is named after this path (docs/agent-protocol.md).
 */
export function resolveHome(env: NodeJS.ProcessEnv = process.env, cwd?: string): HomePaths {
  const absolute = (value: string): string => (cwd === undefined ? path.resolve(value) : path.resolve(cwd, value));
  const home = env.CREDSHARE_HOME
    ? absolute(env.CREDSHARE_HOME)
    : path.join(env.XDG_CONFIG_HOME ? absolute(env.XDG_CONFIG_HOME) : path.join(userHome(env), '.config'), 'credshare');
  return {
    home,
    config: path.join(home, 'config.json'),
    credentials: path.join(home, 'credentials.json'),
  };
}

/**
 * The user's home directory as `os.homedir()` finds it for this environment: `$HOME` when
 * set (POSIX), else the account's. `os.homedir()` reads the process's own `$HOME`, which
 * in the agent is not the request's.
 */
function userHome(env: NodeJS.ProcessEnv): string {
  return process.platform !== 'win32' && env.HOME !== undefined ? env.HOME : os.homedir();
}
