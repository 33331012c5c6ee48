import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveHome, type HomePaths } from '../../src/core/paths';
import { DEFAULT_TIMINGS, type Profile, type Timings } from '../../src/core/profile';
import type { Session } from '../../src/core/session';

/** A throwaway credshare home with one profile, as a test or the demo needs it. */
export interface TestHome {
  paths: HomePaths;
  profile: Profile;
  /** Environment for a child `credshare` process using this home. */
  env: NodeJS.ProcessEnv;
  writeSession(session: Session, profile?: string): void;
  readSession(profile?: string): Session | undefined;
  remove(): void;
}

export function makeHome(options: { issuer?: string; clientId?: string; hosts?: string[]; timings?: Partial<Timings>; toleranceSeconds?: number } = {}): TestHome {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-test-'));
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
  return {
    paths,
    profile,
    env: { ...process.env, CREDSHARE_HOME: home, CREDSHARE_PROFILE: '' },
    writeSession(session, name = 'default') {
      const current = fs.existsSync(paths.credentials) ? JSON.parse(fs.readFileSync(paths.credentials, 'utf8')) : { version: 1, sessions: {} };
      current.sessions[name] = session;
      const temp = `${paths.credentials}.test-tmp`;
      fs.writeFileSync(temp, JSON.stringify(current), { mode: 0o600 });
      fs.renameSync(temp, paths.credentials);
    },
    readSession(name = 'default') {
      if (!fs.existsSync(paths.credentials)) return undefined;
      return JSON.parse(fs.readFileSync(paths.credentials, 'utf8')).sessions[name];
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A session shaped like the contract, expired unless told otherwise. */
export function sessionFixture(fields: Partial<Session> = {}): Session {
  return {
    accessToken: 'at-0',
    refreshToken: 'rt-0',
    expiresAt: Date.now() - 1000,
    scope: 'openid offline_access',
    account: { id: 'alice', label: 'Alice Example' },
    ...fields,
  };
}

export const fastTimings: Timings = { ...DEFAULT_TIMINGS, lockStaleMs: 2000, lockTimeoutMs: 15_000, requestTimeoutMs: 5000 };
