import './quiet-runtime-notice'; // first: before oidc-provider loads
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Provider, TokenModel } from 'oidc-provider';
import { ADMIN_PREFIX, handleAdmin } from './admin';
import { createProvider } from './provider-config';
import { TokenGate, emptyStats, type IssuerStats, type TokenEndpointFault } from './token-gate';

export type { IssuerStats, TokenEndpointFault } from './token-gate';
export { approveDeviceCode, authorizeInBrowser } from './browserless';

/** Options of {@link EmbeddedIssuer.start}. */
export interface IssuerOptions {
  /** Default 0 = a random free port. The issuer always binds 127.0.0.1. */
  port?: number;
  /** Default 5: the demo wants access tokens that live a few seconds. */
  accessTokenTtlSeconds?: number;
  /** Default 14 days. Every rotation issues a refresh token with a fresh TTL. */
  refreshTokenTtlSeconds?: number;
  /** Default 'credshare-cli'. */
  clientId?: string;
  /** Default ['http://127.0.0.1/callback']; loopback http URIs match on any port. */
  redirectUris?: string[];
  /** `interval` added to device authorization responses; default 1 (the provider sends none, so RFC 8628's 5 s would apply). */
  deviceCodeIntervalSeconds?: number;
}

/** A session minted by {@link EmbeddedIssuer.mintSession}: a real token response of the provider. */
export interface MintedSession {
  accessToken: string;
  refreshToken: string;
  idToken?: string;
  expiresIn: number;
  scope: string;
  accountId: string;
}

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * A real oidc-provider on 127.0.0.1 with one public native client, rotating and
 * reuse-detecting refresh tokens, stats and fault injection on the token endpoint,
 * and admin endpoints under `/__admin` for other processes.
 */
export class EmbeddedIssuer {
  /** The issuer identifier, `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
  readonly clientId: string;
  /** Base URL of the admin endpoints, `url + '/__admin'`. */
  readonly adminUrl: string;
  private readonly gate: TokenGate;
  private stopped?: Promise<void>;

  private constructor(
    private readonly server: Server,
    private readonly provider: Provider,
    clientId: string,
    deviceIntervalSeconds: number,
    private readonly claimOverrides: Map<string, Record<string, unknown>>,
  ) {
    this.url = provider.issuer;
    this.clientId = clientId;
    this.adminUrl = `${this.url}${ADMIN_PREFIX}`;

    // The provider's Koa stack runs this around its router: after next() the grant
    // handler has finished and ctx.status is final, but nothing is written yet, so
    // stats change before the client can see the answer (and also when it hung up).
    const settled = new WeakMap<IncomingMessage, (status: number) => void>();
    provider.use(async (ctx, next) => {
      try {
        await next();
      } finally {
        settled.get(ctx.req)?.(ctx.status);
      }
      if (ctx.method === 'POST' && ctx.path === '/device/auth' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
        (ctx.body as Record<string, unknown>).interval = deviceIntervalSeconds;
      }
    });
    const callback = provider.callback();
    const callProvider = (req: IncomingMessage, res: ServerResponse) =>
      new Promise<number>((resolve) => {
        settled.set(req, resolve);
        callback(req, res);
      });
    this.gate = new TokenGate(callProvider);
    server.removeAllListeners('request'); // the "not ready yet" answer of start()
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.route(req, res, callProvider).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
    });
  }

  /** Start an issuer; resolves once it is listening. */
  static async start(options: IssuerOptions = {}): Promise<EmbeddedIssuer> {
    // The provider needs its issuer URL, hence the port, so the server listens
    // before the provider exists; anything that connects that early is told to retry.
    const server = createServer((_req, res) => res.writeHead(503, { 'retry-after': '1' }).end());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    try {
      const { port } = server.address() as AddressInfo;
      const clientId = options.clientId ?? 'credshare-cli';
      const claimOverrides = new Map<string, Record<string, unknown>>();
      const provider = await createProvider(`http://127.0.0.1:${port}`, {
        claimOverrides,
        clientId,
        redirectUris: options.redirectUris ?? ['http://127.0.0.1/callback'],
        accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 5,
        refreshTokenTtlSeconds: options.refreshTokenTtlSeconds ?? 14 * 24 * 60 * 60,
      });
      return new EmbeddedIssuer(server, provider, clientId, options.deviceCodeIntervalSeconds ?? 1, claimOverrides);
    } catch (error) {
      server.close();
      throw error;
    }
  }

  /** Changes an account's claims at the issuer (e.g. a new display name); tokens issued from now on carry them. */
  setAccountClaims(accountId: string, claims: Record<string, unknown>): void {
    this.claimOverrides.set(accountId, { ...this.claimOverrides.get(accountId), ...claims });
  }

  /** A copy of the counters. */
  stats(): IssuerStats {
    return { ...this.gate.stats };
  }

  resetStats(): void {
    this.gate.stats = emptyStats();
  }

  /**
   * Mint a real session for a test account without a browser. The issuer stores an
   * already-approved device code for a new grant and redeems it at its own token
   * endpoint, so the answer (refresh token, access token, id_token) is issued by
   * the provider itself. This redemption is not counted in stats.
   */
  async mintSession(options: { accountId?: string; scope?: string } = {}): Promise<MintedSession> {
    const accountId = options.accountId ?? 'alice';
    const scope = options.scope ?? 'openid offline_access';
    const { Client, Grant, DeviceCode } = this.provider;
    const client = await Client.find(this.clientId);
    const grant = new Grant({ accountId, clientId: this.clientId });
    grant.addOIDCScope(scope);
    const grantId = await grant.save();
    const code = new DeviceCode({
      client,
      accountId,
      grantId,
      scope,
      authTime: Math.floor(Date.now() / 1000),
      expiresWithSession: false,
      params: { client_id: this.clientId, scope },
    });
    const deviceCode = await code.save();
    this.gate.internalDeviceCodes.add(deviceCode);
    const response = await fetch(`${this.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: DEVICE_CODE_GRANT, device_code: deviceCode, client_id: this.clientId }),
    });
    const body = (await response.json()) as Record<string, unknown>;
    if (!response.ok || typeof body.refresh_token !== 'string') {
      throw new Error(`minting a session failed: HTTP ${response.status} ${JSON.stringify(body)}`);
    }
    return {
      accessToken: body.access_token as string,
      refreshToken: body.refresh_token,
      ...(typeof body.id_token === 'string' ? { idToken: body.id_token } : {}),
      expiresIn: body.expires_in as number,
      scope: (body.scope as string | undefined) ?? scope,
      accountId,
    };
  }

  /** True while the provider accepts this access token (same checks as its userinfo endpoint). */
  async isAccessTokenValid(accessToken: string): Promise<boolean> {
    const token = await this.provider.AccessToken.find(accessToken);
    return !!token && !token.isExpired && (await this.grantAlive(token));
  }

  /** True while the refresh token's grant is alive and the token is neither consumed nor expired. */
  async isRefreshTokenUsable(refreshToken: string): Promise<boolean> {
    const token = await this.provider.RefreshToken.find(refreshToken);
    return !!token && !token.consumed && !token.isExpired && (await this.grantAlive(token));
  }

  /**
   * Inject a fault on the token endpoint for the next `count` refresh requests
   * (default: until cleared); null clears. Faulted requests still count in
   * refreshRequests, and all but `delay` count in refreshFailures. The provider
   * never sees a faulted request, so the refresh token stays unspent, except with
   * `delay`, which hands the request on after waiting.
   */
  setTokenEndpointFault(fault: TokenEndpointFault | null, count?: number): void {
    this.gate.setFault(fault, count);
  }

  /** Stop listening and drop every connection, hanging ones included. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      this.gate.stop();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.stopped;
  }

  private async grantAlive(token: TokenModel): Promise<boolean> {
    if (!token.grantId) return false;
    const grant = await this.provider.Grant.find(token.grantId, { ignoreExpiration: true });
    return !!grant && !grant.isExpired && grant.clientId === token.clientId && grant.accountId === token.accountId;
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    callProvider: (req: IncomingMessage, res: ServerResponse) => Promise<number>,
  ): Promise<void> {
    const path = new URL(req.url ?? '/', this.url).pathname;
    if (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)) return handleAdmin(this, req, res);
    if (req.method === 'POST' && path === '/token') return this.gate.handle(req, res);
    if (req.method === 'POST' && path === '/token/revocation') this.gate.stats.revocations++;
    await callProvider(req, res);
  }
}
