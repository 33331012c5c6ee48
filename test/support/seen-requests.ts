import { execFileSync } from 'node:child_process';
import * as net from 'node:net';

/**
 * What a test server saw of one request's credentials: the tests assert the scheme and
 * the token each real client sent, not only that it got in.
 */
export interface SeenRequest {
  method: string;
  path: string;
  /** The Authorization scheme ("Basic", "Bearer"), or undefined when none was sent. */
  scheme?: string;
  /** The token the request carried (Basic: the password; Bearer: the credentials). */
  token?: string;
  /** Basic only: the user name. */
  username?: string;
  accepted: boolean;
}

/** Splits an Authorization header into its scheme and token (Basic: the password). */
export function parseAuthorization(header: string | undefined): { scheme?: string; token?: string; username?: string } {
  const match = /^(\S+)\s+(.+)$/.exec(header ?? '');
  if (!match) return header ? { token: header } : {};
  const [, scheme, rest] = match;
  if (scheme!.toLowerCase() !== 'basic') return { scheme, token: rest };
  const decoded = Buffer.from(rest!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? { scheme } : { scheme, username: decoded.slice(0, colon), token: decoded.slice(colon + 1) };
}

/** A free port on 127.0.0.1 for a server that cannot be told to pick one itself. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Where a real client binary lives, or undefined: the tool tests skip with a message
 * instead of failing on a developer machine without it (CI installs it, .ci/run).
 */
export function findExecutable(name: string, extraDirs: string[] = []): string | undefined {
  for (const dir of extraDirs) {
    try {
      execFileSync('test', ['-x', `${dir}/${name}`]);
      return `${dir}/${name}`;
    } catch { /* not here */ }
  }
  try {
    return execFileSync('sh', ['-c', `command -v "$0"`, name], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
