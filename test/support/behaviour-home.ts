import * as fs from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Session } from '../../src/core/session';
import { sessionFromMinted } from '../../src/demo/signed-in-home';
import type { EmbeddedIssuer } from '../../src/issuer/embedded-issuer';

/**
 * The profile fields of issue 9 (INTERFACES.md: clientSecret, tokenEndpointAuthMethod,
 * redirectPort, endpoints), as they are written to config.json.
 */
export interface IssueNineFields {
  clientSecret?: string;
  tokenEndpointAuthMethod?: 'none' | 'client_secret_basic' | 'client_secret_post';
  redirectPort?: number;
  endpoints?: { authorization?: string; token?: string; deviceAuthorization?: string; revocation?: string; userinfo?: string };
}

/** A credshare home for one behaviour of the matrix: written by `credshare login`, or by hand. */
export interface BehaviourHome {
  dir: string;
  env: NodeJS.ProcessEnv;
  configFile: string;
  config(): { profiles: { default: Record<string, unknown> } } & Record<string, unknown>;
  readSession(): Session | undefined;
  writeSession(session: Session): void;
  /** Marks the stored access token expired, as if its lifetime had run out. */
  expire(): void;
  remove(): void;
}

/** An empty home (not created yet: `credshare login` creates it) in a fresh temp dir. */
export function emptyBehaviourHome(prefix: string): BehaviourHome {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const dir = path.join(root, 'home');
  const configFile = path.join(dir, 'config.json');
  const credentials = path.join(dir, 'credentials.json');
  const read = (): { version: number; sessions: Record<string, Session> } =>
    fs.existsSync(credentials) ? JSON.parse(fs.readFileSync(credentials, 'utf8')) : { version: 1, sessions: {} };
  const writeSession = (session: Session): void => {
    const current = read();
    current.sessions.default = session;
    fs.writeFileSync(`${credentials}.tmp`, JSON.stringify(current), { mode: 0o600 });
    fs.renameSync(`${credentials}.tmp`, credentials);
  };
  return {
    dir,
    configFile,
    env: { ...process.env, CREDSHARE_HOME: dir, CREDSHARE_PROFILE: '', BROWSER: '' },
    config: () => JSON.parse(fs.readFileSync(configFile, 'utf8')),
    readSession: () => read().sessions.default,
    writeSession,
    expire() {
      const session = read().sessions.default;
      if (session) writeSession({ ...session, expiresAt: Date.now() - 1000 });
    },
    remove: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/**
 * Make `home` signed in to `issuer` without `credshare login`: the profile (with the issue 9
 * fields) written as login would write it, and a session minted by the issuer. For the
 * cells of the matrix that must not depend on the sign-in cell.
 */
export async function signInByHand(home: BehaviourHome, issuer: EmbeddedIssuer, fields: IssueNineFields): Promise<Session> {
  writeProfile(home, issuer, fields);
  const minted = await issuer.mintSession({ accountId: 'alice' });
  const session = sessionFromMinted(minted);
  home.writeSession(session);
  return session;
}

/** Write the default profile for `issuer`, as `credshare login` would, with the issue 9 fields. */
export function writeProfile(home: BehaviourHome, issuer: { url: string; clientId: string }, fields: IssueNineFields): void {
  fs.mkdirSync(home.dir, { recursive: true, mode: 0o700 });
  const profile = {
    issuer: issuer.url, clientId: issuer.clientId, scopes: ['openid', 'offline_access'], hosts: [], refreshToleranceSeconds: 60, ...fields,
  };
  fs.writeFileSync(home.configFile, JSON.stringify({ defaultProfile: 'default', profiles: { default: profile } }, null, 2), { mode: 0o600 });
}

/** A loopback port that was free a moment ago (for a redirect URI registered in advance). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
