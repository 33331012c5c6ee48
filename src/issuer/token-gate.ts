import { IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Counters of what reached the token and revocation endpoints. */
export interface IssuerStats {
  /** Every POST to the token endpoint with grant_type=refresh_token, counted BEFORE the provider handles it. */
  refreshRequests: number;
  refreshSuccesses: number;
  /** Any error answer to a refresh request, and every request answered by an injected fault other than `delay`. */
  refreshFailures: number;
  /**
   * Refresh attempts with an already-consumed refresh token (the provider then revokes
   * the grant). Every such attempt counts, also once the provider has forgotten the token.
   */
  reuseDetections: number;
  /** authorization_code, device_code grants, etc. */
  otherTokenRequests: number;
  /** Requests to the revocation endpoint. */
  revocations: number;
}

/** A misbehaviour of the token endpoint, applied to refresh requests only. */
export type TokenEndpointFault =
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  | { kind: 'garbage' }
  | { kind: 'delay'; ms: number }
  | { kind: 'hang' }
  | { kind: 'reset' };

/** Hands a request to the provider; resolves with the status the provider decided on. */
export type ProviderCall = (req: IncomingMessage, res: ServerResponse) => Promise<number>;

const BODY_LIMIT = 56 * 1024; // the provider's own limit (lib/shared/selective_body.js)

/** All counters at zero. */
export function emptyStats(): IssuerStats {
  return { refreshRequests: 0, refreshSuccesses: 0, refreshFailures: 0, reuseDetections: 0, otherTokenRequests: 0, revocations: 0 };
}

/**
 * Sits in front of the provider's token endpoint: counts, injects faults, and
 * serialises redemptions of the same refresh token.
 *
 * Why serialise: the provider's refresh_token grant loads the token, awaits several
 * lookups, and only then marks it consumed (lib/actions/grants/refresh_token.js,
 * `consumed` check at line 107, `consume()` at line 122). Two
 * simultaneous redemptions of one token can therefore both succeed and fork the
 * session, which would hide exactly the double-spend credshare must never commit.
 * One at a time per token, the second one meets `consumed` and trips the
 * provider's reuse detection, as a real issuer with an atomic store would.
 */
export class TokenGate {
  stats: IssuerStats = emptyStats();
  /** Device codes the issuer redeems for itself (mintSession); not counted. */
  readonly internalDeviceCodes = new Set<string>();
  private fault: TokenEndpointFault | null = null;
  private faultBudget = Infinity;
  private readonly spent = new Set<string>(); // refresh tokens the provider has accepted once
  private readonly queues = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(private readonly callProvider: ProviderCall) {}

  /** See EmbeddedIssuer.setTokenEndpointFault. A count of 0 or less clears the fault. */
  setFault(fault: TokenEndpointFault | null, count?: number): void {
    this.fault = fault;
    this.faultBudget = fault && count !== undefined ? count : Infinity;
    if (fault && !(this.faultBudget > 0)) this.fault = null;
  }

  /** Abort delays; hanging sockets are closed by the server. */
  stop(): void {
    this.stopping.abort();
  }

  /** Handle POST /token. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (body === undefined) {
      res.writeHead(413, { 'content-type': 'application/json' }).end('{"error":"invalid_request"}');
      return;
    }
    const form = /^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '');
    const params = new URLSearchParams(form ? body.toString('utf8') : '');
    const replay = replayRequest(req, body);

    if (params.get('grant_type') !== 'refresh_token') {
      if (!this.internalDeviceCodes.delete(params.get('device_code') ?? '')) this.stats.otherTokenRequests++;
      await this.callProvider(replay, res);
      return;
    }

    this.stats.refreshRequests++;
    const fault = this.takeFault();
    if (fault && (await this.applyFault(fault, req, res))) return;

    const refreshToken = params.get('refresh_token') ?? '';
    await this.oneAtATime(refreshToken, async () => {
      if (this.spent.has(refreshToken)) this.stats.reuseDetections++;
      const status = await this.callProvider(replay, res);
      if (status === 200) {
        this.stats.refreshSuccesses++;
        this.spent.add(refreshToken);
      } else {
        this.stats.refreshFailures++;
      }
    });
  }

  private takeFault(): TokenEndpointFault | null {
    const fault = this.fault;
    if (fault && --this.faultBudget <= 0) this.fault = null;
    return fault;
  }

  /** Returns true when the fault answered (or swallowed) the request. */
  private async applyFault(fault: TokenEndpointFault, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (fault.kind === 'delay') {
      try {
        await sleep(fault.ms, undefined, { signal: this.stopping.signal });
        return false;
      } catch {
        req.socket.destroy(); // stopped while waiting
        return true;
      }
    }
    this.stats.refreshFailures++;
    switch (fault.kind) {
      case 'status': {
        const body = fault.body ?? JSON.stringify({
          error: fault.status === 503 ? 'temporarily_unavailable' : 'server_error',
          error_description: `fault injected by the embedded issuer (HTTP ${fault.status})`,
        });
        const type = isJson(body) ? 'application/json' : 'text/plain';
        res.writeHead(fault.status, { 'content-type': type, 'cache-control': 'no-store', ...fault.headers }).end(body);
        return true;
      }
      case 'garbage': // what a captive portal or a misrouted proxy answers
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Please sign in to the hotel Wi-Fi</body></html>');
        return true;
      case 'hang':
        return true; // never answered; the server closes the socket on stop()
      case 'reset':
        resetSocket(req.socket);
        return true;
    }
  }

  private async oneAtATime(key: string, task: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const current = previous.then(task);
    const tail = current.catch(() => undefined);
    this.queues.set(key, tail);
    try {
      await current;
    } finally {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    }
  }
}

/** Read the whole body, or undefined when it exceeds the provider's limit. */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/**
 * A fresh request carrying the body we already read. The provider reads bodies from
 * the stream itself and, given a pre-parsed `req.body` instead, prints a warning
 * (lib/shared/selective_body.js); so it gets an unread stream with the same head.
 */
function replayRequest(original: IncomingMessage, body: Buffer): IncomingMessage {
  const replay = new IncomingMessage(original.socket as Socket);
  Object.assign(replay, {
    method: original.method,
    url: original.url,
    headers: original.headers,
    rawHeaders: original.rawHeaders,
    httpVersion: original.httpVersion,
    httpVersionMajor: original.httpVersionMajor,
    httpVersionMinor: original.httpVersionMinor,
    complete: true,
    // IncomingMessage#_read would resume the real socket; our data is already here.
    _read: () => undefined,
  });
  replay.push(body);
  replay.push(null);
  return replay;
}

/** Close with a TCP RST where the platform allows, so clients see ECONNRESET. */
function resetSocket(socket: Socket): void {
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
