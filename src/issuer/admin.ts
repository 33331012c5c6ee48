import type { IncomingMessage, ServerResponse } from 'node:http';
import { approveDeviceCode, authorizeInBrowser } from './browserless';
import type { IssuerBehaviours } from './behaviours';
import type { IssuerStats, TokenEndpointFault } from './token-gate';

/** Path prefix of the admin endpoints on the issuer's own port. */
export const ADMIN_PREFIX = '/__admin';

/** What the admin endpoints need from the issuer. */
export interface AdminTarget {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly behaviours: Readonly<IssuerBehaviours>;
  stats(): IssuerStats;
  resetStats(): void;
  mintSession(options?: { accountId?: string; scope?: string }): Promise<unknown>;
  isAccessTokenValid(accessToken: string): Promise<boolean>;
  isRefreshTokenUsable(refreshToken: string): Promise<boolean>;
  revokeGrant(refreshToken: string): Promise<boolean>;
  setTokenEndpointFault(fault: TokenEndpointFault | null, count?: number): void;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Body = Record<string, unknown>;
type Route = (target: AdminTarget, body: Body, req: IncomingMessage) => Promise<unknown> | unknown;

// Tokens travel in bodies and headers only, never in URLs (which end up in logs).
const routes: Record<string, Route> = {
  'GET /stats': (t) => t.stats(),
  'POST /reset-stats': (t) => (t.resetStats(), { ok: true }),
  'POST /mint': (t, b) => t.mintSession({ accountId: optionalString(b, 'accountId'), scope: optionalString(b, 'scope') }),
  'POST /fault': (t, b) => {
    const count = b.count === undefined || b.count === null ? undefined : Number(b.count);
    t.setTokenEndpointFault(parseFault(b.fault), count);
    return { ok: true };
  },
  'GET /access-token-valid': async (t, _b, req) => {
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token) throw new HttpError(400, 'send the access token as Authorization: Bearer');
    return { valid: await t.isAccessTokenValid(token) };
  },
  'POST /refresh-token-usable': async (t, b) => ({ usable: await t.isRefreshTokenUsable(requiredString(b, 'refreshToken')) }),
  'POST /revoke-grant': async (t, b) => ({ revoked: await t.revokeGrant(requiredString(b, 'refreshToken')) }),
  // The test client's secret goes to the test over loopback, never into argv or a log.
  'GET /client': (t) => ({ clientId: t.clientId, clientSecret: t.clientSecret ?? null, behaviours: t.behaviours }),
  'POST /approve-device': async (t, b) => {
    await approveDeviceCode(t.url, requiredString(b, 'userCode'), optionalString(b, 'accountId'));
    return { ok: true };
  },
  'POST /authorize': async (_t, b) => {
    const redirect = await authorizeInBrowser(requiredString(b, 'authorizationUrl'), optionalString(b, 'accountId'));
    return { redirectUrl: redirect.href };
  },
};

/** Serve one admin request (the caller has matched ADMIN_PREFIX). */
export async function handleAdmin(target: AdminTarget, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://admin').pathname.slice(ADMIN_PREFIX.length);
  const route = routes[`${req.method} ${path}`];
  try {
    if (!route) throw new HttpError(404, `no admin endpoint ${req.method} ${path}`);
    const result = await route(target, req.method === 'POST' ? await readJson(req) : {}, req);
    send(res, 200, result);
  } catch (error) {
    const status = error instanceof HttpError ? error.status : 500;
    send(res, status, { error: error instanceof Error ? error.message : String(error) });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Body> {
  let text = '';
  for await (const chunk of req as AsyncIterable<Buffer>) text += chunk.toString('utf8');
  if (!text.trim()) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Body;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'body must be a JSON object');
}

function optionalString(body: Body, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new HttpError(400, `${key} must be a string`);
  return value;
}

function requiredString(body: Body, key: string): string {
  const value = optionalString(body, key);
  if (!value) throw new HttpError(400, `${key} is required`);
  return value;
}

function parseFault(value: unknown): TokenEndpointFault | null {
  if (value === null || value === undefined) return null;
  const fault = value as Partial<Record<string, unknown>>;
  switch (fault.kind) {
    case 'status':
      if (typeof fault.status !== 'number') break;
      return fault as TokenEndpointFault;
    case 'delay':
    case 'hold-answer':
    case 'late-answer':
      if (typeof fault.ms !== 'number') break;
      return fault as TokenEndpointFault;
    case 'garbage':
    case 'hang':
    case 'reset':
      return fault as TokenEndpointFault;
  }
  throw new HttpError(400, 'fault must be null or {kind: status|garbage|delay|hold-answer|late-answer|hang|reset, ...}');
}
