import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveHome, type HomePaths } from '../core/paths';
import type { Profile, Timings } from '../core/profile';
import type { Session } from '../core/session';

/**
 * A throwaway credshare home with one profile, written exactly as the contract says
 * (DESIGN.md: config.json, credentials.json 0600 in a 0700 home). The demo, the
 * benchmark and the tests all build their homes with this.
 */
export interface ScratchHome {
  paths: HomePaths;
  profile: Profile;
  /** Environment for a child `credshare` process using this home. */
  env: NodeJS.ProcessEnv;
  writeSession(session: Session, profile?: string): void;
  readSession(profile?: string): Session | undefined;
  /** Marks the stored access token expired, as if its lifetime had run out. */
  expire(profile?: string): void;
  remove(): void;
}

export interface HomeOptions {
  issuer?: string;
  clientId?: string;
  hosts?: string[];
  timings?: Partial<Timings>;
  toleranceSeconds?: number;
  /** Prefix of the temp directory's name. */
  prefix?: string;
}

export function makeHome(options: HomeOptions = {}): ScratchHome {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), options.prefix ?? 'credshare-'));
  const home = path.join(dir, 'home');
  fs.mkdirSync(home, { mode: 0o700 });
  const paths = resolveHome({ CREDSHARE_HOME: home });
  const profile: Profile = {
    name: 'default',
    issuer: options.issuer ?? 'http://127.0.0.1:9/unused',
    clientId: options.clientId ?? 'credshare-cli',
    scopes: ['openid', 'offline_access'],
    hosts: options.hosts ?? ['artifacts.example.com'],
    refreshToleranceSeconds: options.toleranceSeconds ?? 60,
  };
  const { name: _name, ...fields } = profile;
  fs.writeFileSync(paths.config, JSON.stringify({ defaultProfile: 'default', profiles: { default: fields }, ...options.timings }, null, 2), { mode: 0o600 });
  const readSession = (name = 'default'): Session | undefined =>
    fs.existsSync(paths.credentials) ? JSON.parse(fs.readFileSync(paths.credentials, 'utf8')).sessions[name] : undefined;
  const writeSession = (session: Session, name = 'default'): void => {
    const current = fs.existsSync(paths.credentials) ? JSON.parse(fs.readFileSync(paths.credentials, 'utf8')) : { version: 1, sessions: {} };
    current.sessions[name] = session;
    const temp = `${paths.credentials}.scratch-tmp`;
    fs.writeFileSync(temp, JSON.stringify(current), { mode: 0o600 });
    fs.renameSync(temp, paths.credentials);
  };
  return {
    paths,
    profile,
    env: { ...process.env, CREDSHARE_HOME: home, CREDSHARE_PROFILE: '' },
    writeSession,
    readSession,
    expire(name = 'default') {
      const session = readSession(name);
      if (session) writeSession({ ...session, expiresAt: Date.now() - 1000 }, name);
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
