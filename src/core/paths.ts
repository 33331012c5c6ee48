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
 * `~/.config/credshare`. Takes the environment as a parameter so tests and the
 * extension can point at another home without touching `process.env`.
 */
export function resolveHome(env: NodeJS.ProcessEnv = process.env): HomePaths {
  const home = env.CREDSHARE_HOME
    ? path.resolve(env.CREDSHARE_HOME)
    : path.join(env.XDG_CONFIG_HOME ? path.resolve(env.XDG_CONFIG_HOME) : path.join(os.homedir(), '.config'), 'credshare');
  return {
    home,
    config: path.join(home, 'config.json'),
    credentials: path.join(home, 'credentials.json'),
  };
}
