// Helpers for the login*.test.ts files: drive a running `credshare login` child the way a
// user would (read the URL or code it prints, answer the issuer's pages), and check
// output for secrets.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Session } from '../../src/core/session';
import type { RunningCli } from '../support/processes';

/** The user code a device login prints, e.g. "BCDF-GHJK". */
export async function deviceCodeOf(cli: RunningCli): Promise<string> {
  return (await cli.waitForStderr(/^\s+([A-Z0-9]{4}-[A-Z0-9]{4})\s*$/m))[1]!;
}

/** The authorization URL a browser login prints. */
export async function authorizationUrlOf(cli: RunningCli): Promise<URL> {
  return new URL((await cli.waitForStderr(/^\s+(https?:\/\/\S+\/auth\?\S+)\s*$/m))[1]!);
}

/** An empty credshare home (not even created yet) and the environment for a child using it. */
export function emptyHome(): { home: string; env: NodeJS.ProcessEnv; config(): Record<string, any>; session(profile?: string): Session | undefined; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-login-'));
  const home = path.join(dir, 'home');
  return {
    home,
    env: { ...process.env, CREDSHARE_HOME: home, CREDSHARE_PROFILE: '', BROWSER: '' },
    config: () => JSON.parse(fs.readFileSync(path.join(home, 'config.json'), 'utf8')),
    session: (profile = 'default') => {
      const file = path.join(home, 'credentials.json');
      return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).sessions[profile] : undefined;
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** Fails if `text` contains any token of the session, or any 12-character piece of one. */
export function assertNoSecrets(text: string, ...sessions: (Session | undefined)[]): void {
  for (const session of sessions) {
    for (const [name, token] of Object.entries({ accessToken: session?.accessToken, refreshToken: session?.refreshToken, idToken: session?.idToken })) {
      if (!token) continue;
      for (let i = 0; i + 12 <= token.length; i += 6) {
        assert.ok(!text.includes(token.slice(i, i + 12)), `output contains part of the ${name}`);
      }
    }
  }
}
