import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReadRequest } from './replay';

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
  /**
   * Refresh attempts with an already-rotated refresh token that a behaviour let through
   * without revoking anything (reuse leeway, rotation without revocation).
   */
  reusesTolerated: number;
  /** authorization_code, device_code grants, etc. */
  otherTokenRequests: number;
  /** Requests to the revocation endpoint. */
  revocations: number;
  /** Requests for a discovery document (OpenID's or RFC 8414's), answered or not. */
  discoveryRequests: number;
}

/** A misbehaviour of the token endpoint, applied to refresh requests only. */
export type TokenEndpointFault =
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  | { kind: 'garbage' }
  | { kind: 'delay'; ms: number }
  | { kind: 'hang' }
  | { kind: 'reset' };

/**
 * How an error answer of the provider goes out: as it is; `bare`, with its status and an
 * empty body; `status-200`, with its OAuth error body but HTTP 200.
 */
export type ErrorShape = 'as-is' | 'bare' | 'status-200';

/** Hands a request to the provider; resolves with the status the provider decided on (before any reshaping). */
export type ProviderCall = (req: IncomingMessage, res: ServerResponse, options?: { errorShape?: ErrorShape }) => Promise<number>;

/** How the gate treats refresh requests (see IssuerBehaviours). */
export interface RefreshPolicy {
  /** How a refused refresh is answered. */
  refusalShape: ErrorShape;
  /** A rotated refresh token works again within this many ms of its rotation. */
  reuseLeewayMs: number;
  /** Makes a consumed refresh token redeemable again (MemoryAdapter#unconsume). */
  revive(refreshToken: string): Promise<void>;
  /** false: a refresh keeps its refresh token, so presenting it again is no reuse. Default true. */
  rotates?: boolean;
  /** The `scope` of a refresh request is dropped before the provider sees it. */
  ignoresScope?: boolean;
}

/** Today's issuer: reuse detected at once, refusals with an OAuth error body. */
export const STRICT_ROTATION: RefreshPolicy = { refusalShape: 'as-is', reuseLeewayMs: 0, revive: async () => undefined };

/** All counters at zero. */
export function emptyStats(): IssuerStats {
  return {
    refreshRequests: 0, refreshSuccesses: 0, refreshFailures: 0, reuseDetections: 0, reusesTolerated: 0, otherTokenRequests: 0, revocations: 0, discoveryRequests: 0,
  };
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
  private readonly spent = new Map<string, number>(); // refresh token -> when the provider first accepted it
  private readonly queues = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly callProvider: ProviderCall,
    private readonly policy: RefreshPolicy = STRICT_ROTATION,
  ) {}

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

  /**
   * Handle POST /token, whose body the caller has read. `refused` applies the client
   * authentication rules of the issuer's behaviours: true when it answered the request.
   */
  async handle(request: ReadRequest, req: IncomingMessage, res: ServerResponse, refused: (res: ServerResponse) => boolean = () => false): Promise<void> {
    const { form: params } = request;
    if (params.get('grant_type') !== 'refresh_token') {
      if (!this.internalDeviceCodes.delete(params.get('device_code') ?? '')) this.stats.otherTokenRequests++;
      if (!refused(res)) await this.callProvider(request.replay(), res);
      return;
    }

    this.stats.refreshRequests++;
    const fault = this.takeFault();
    if (fault && (await this.applyFault(fault, req, res))) return;
    if (refused(res)) {
      this.stats.refreshFailures++;
      return;
    }

    const refreshToken = params.get('refresh_token') ?? '';
    await this.oneAtATime(refreshToken, async () => {
      const spentAt = this.spent.get(refreshToken);
      if (spentAt !== undefined) {
        if (Date.now() - spentAt < this.policy.reuseLeewayMs) { // strict: a leeway of 0 tolerates nothing, even within the same ms
          this.stats.reusesTolerated++;
          await this.policy.revive(refreshToken);
        } else {
          this.stats.reuseDetections++;
        }
      }
      const replayed = this.policy.ignoresScope && params.has('scope') ? request.replay(withoutField(params, 'scope')) : request.replay();
      const status = await this.callProvider(replayed, res, { errorShape: this.policy.refusalShape });
      if (status === 200) {
        this.stats.refreshSuccesses++;
        // A leeway runs from the first rotation; without rotation the token is not spent at all.
        if (spentAt === undefined && this.policy.rotates !== false) this.spent.set(refreshToken, Date.now());
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

/** Close with a TCP RST where the platform allows, so clients see ECONNRESET. */
function resetSocket(socket: Socket): void {
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

function withoutField(form: URLSearchParams, name: string): Buffer {
  const copy = new URLSearchParams(form);
  copy.delete(name);
  return Buffer.from(copy.toString());
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
