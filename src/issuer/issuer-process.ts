import { spawn, type ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { BehaviourName, IssuerStats, MintedSession, TokenEndpointFault } from './embedded-issuer';

const repoRoot = path.resolve(__dirname, '..', '..');

/**
 * The embedded issuer in a process of its own (main.ts here), driven through its admin
 * endpoints, for the storms of the tests and the bench: spawning hundreds of children is
 * synchronous and stalls the spawning process's event loop for seconds on a busy machine,
 * and an issuer living there would stall with it (its discovery answers time out, which a
 * real, remote issuer's would not). Here it keeps answering.
 */
export interface IssuerProcess {
  url: string;
  clientId: string;
  /** The client's secret where a behaviour makes the client confidential. */
  clientSecret?: string;
  stats(): Promise<IssuerStats>;
  resetStats(): Promise<void>;
  mint(accountId?: string): Promise<MintedSession>;
  setFault(fault: TokenEndpointFault | null, count?: number): Promise<void>;
  isRefreshTokenUsable(refreshToken: string): Promise<boolean>;
  /** End the grant of this refresh token at the issuer (see EmbeddedIssuer.revokeGrant). */
  revokeGrant(refreshToken: string): Promise<boolean>;
  /** True while the issuer accepts this access token (the token travels in a header, never a URL). */
  isAccessTokenValid(accessToken: string): Promise<boolean>;
  stop(): Promise<void>;
}

/** Options of {@link startIssuerProcess}: main.ts's flags. */
export interface IssuerProcessOptions {
  accessTokenTtlSeconds: number;
  /** Names of BEHAVIOUR_PRESETS (src/issuer/behaviours.ts). */
  behaviours?: BehaviourName[];
  reuseLeewaySeconds?: number;
  redirectUris?: string[];
}

export async function startIssuerProcess(options: IssuerProcessOptions): Promise<IssuerProcess> {
  const args = ['--access-token-ttl', String(options.accessTokenTtlSeconds)];
  for (const name of options.behaviours ?? []) args.push('--behaviour', name);
  if (options.reuseLeewaySeconds !== undefined) args.push('--reuse-leeway', String(options.reuseLeewaySeconds));
  for (const uri of options.redirectUris ?? []) args.push('--redirect-uri', uri);
  // Through tsx, like the tests and the bench that use it (this is never bundled).
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'main.ts'), ...args],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`issuer process exited (${code}) before it listened`)));
  });
  const { issuer, clientId, admin } = JSON.parse(first) as { issuer: string; clientId: string; admin: string };
  // A real issuer runs on a machine of its own; here it shares two cores with the storm.
  // Ahead of the storm in the scheduler (best effort; needs root), it answers like one.
  try {
    os.setPriority(child.pid!, -5);
  } catch {
    // Not permitted: the generous request timeouts of the storms cover it.
  }
  const call = async <T>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${admin}${route}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = await response.json() as T & { error?: string };
    if (!response.ok) throw new Error(`issuer admin ${route}: ${json.error ?? response.status}`);
    return json;
  };
  const { clientSecret } = await call<{ clientSecret: string | null }>('GET', '/client');
  return {
    url: issuer,
    clientId,
    ...(clientSecret ? { clientSecret } : {}),
    stats: () => call<IssuerStats>('GET', '/stats'),
    resetStats: async () => { await call('POST', '/reset-stats'); },
    mint: (accountId = 'alice') => call<MintedSession>('POST', '/mint', { accountId }),
    setFault: async (fault, count) => { await call('POST', '/fault', { fault, count }); },
    isRefreshTokenUsable: async (refreshToken) => (await call<{ usable: boolean }>('POST', '/refresh-token-usable', { refreshToken })).usable,
    revokeGrant: async (refreshToken) => (await call<{ revoked: boolean }>('POST', '/revoke-grant', { refreshToken })).revoked,
    isAccessTokenValid: async (accessToken) => {
      const response = await fetch(`${admin}/access-token-valid`, { headers: { authorization: `Bearer ${accessToken}` } });
      return ((await response.json()) as { valid?: boolean }).valid === true;
    },
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
