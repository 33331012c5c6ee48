import './quiet-runtime-notice'; // first: before oidc-provider loads
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Provider, TokenModel } from 'oidc-provider';
import { ADMIN_PREFIX, handleAdmin } from './admin';
import type { ClientSecretMethod, IssuerBehaviours } from './behaviours';
import { DISCOVERY_PATHS, isClientEndpoint, refuseClientAuth } from './endpoint-policy';
import type { MemoryAdapterFactory } from './memory-adapter';
import { providerCaller } from './provider-caller';
import { createProvider } from './provider-config';
import { readRequest } from './replay';
import { mintSession, type MintedSession, type MintingClient } from './session-mint';
import { TokenGate, emptyStats, type IssuerStats, type ProviderCall, type TokenEndpointFault } from './token-gate';

export type { IssuerStats, TokenEndpointFault } from './token-gate';
export type { MintedSession } from './session-mint';
export type { BehaviourName, ClientSecretMethod, IssuerBehaviours } from './behaviours';
export { BEHAVIOUR_PRESETS, behavioursNamed } from './behaviours';
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
  /** Behaviours of real issuers to imitate; none by default (see behaviours.ts). */
  behaviours?: IssuerBehaviours;
  /**
   * Lower-level knobs, passed to the provider as they are (no extra enforcement, unlike
   * `behaviours.clientSecretMethods`): make the client confidential with this secret...
   */
  clientSecret?: string;
  /** ...registered with this method (default client_secret_basic)... */
  clientAuthMethod?: ClientSecretMethod;
  /** ...published as token_endpoint_auth_methods_supported (default: the provider's list)... */
  clientAuthMethods?: string[];
  /** ...and this `revocation_endpoint_auth_methods_supported` (oidc-provider publishes none). */
  revocationAuthMethods?: string[];
}

/**
 * A real oidc-provider on 127.0.0.1 with one native client (public unless a behaviour
 * says otherwise), rotating and reuse-detecting refresh tokens, switchable behaviours of
 * real issuers, stats and fault injection on the token endpoint, and admin endpoints
 * under `/__admin` for other processes.
 */
export class EmbeddedIssuer {
  /** The issuer identifier, `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
  readonly clientId: string;
  /** The client's secret where a behaviour makes it confidential; generated per issuer. */
  readonly clientSecret?: string;
  /** Base URL of the admin endpoints, `url + '/__admin'`. */
  readonly adminUrl: string;
  readonly behaviours: Readonly<IssuerBehaviours>;
  private readonly gate: TokenGate;
  private readonly client: MintingClient;
  private stopped?: Promise<void>;

  private constructor(
    private readonly server: Server,
    private readonly provider: Provider,
    private readonly adapters: MemoryAdapterFactory,
    client: MintingClient,
    behaviours: IssuerBehaviours,
    deviceIntervalSeconds: number,
    revocationAuthMethods: string[] | undefined,
    private readonly claimOverrides: Map<string, Record<string, unknown>>,
  ) {
    this.url = provider.issuer;
    this.client = client;
    this.clientId = client.clientId;
    if (client.secret) this.clientSecret = client.secret.value;
    this.behaviours = behaviours;
    this.adminUrl = `${this.url}${ADMIN_PREFIX}`;

    const callProvider = providerCaller(provider, { deviceIntervalSeconds, behaviours, ...(revocationAuthMethods ? { revocationAuthMethods } : {}) });
    this.gate = new TokenGate(callProvider, {
      refusalShape: behaviours.bareRefreshRefusals ? 'bare' : behaviours.refusalsWithStatus200 ? 'status-200' : 'as-is',
      reuseLeewayMs: behaviours.keepRotatedRefreshTokens ? Infinity : (behaviours.reuseLeewaySeconds ?? 0) * 1000,
      rotates: behaviours.refreshWithoutRotation !== true,
      ignoresScope: behaviours.ignoreRefreshScope === true,
      revive: (refreshToken) => this.revive(refreshToken),
    });
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
      const behaviours = options.behaviours ?? {};
      const methods = behaviours.clientSecretMethods;
      if (methods && methods.length === 0) throw new Error('clientSecretMethods must name at least one method');
      const secret = options.clientSecret ?? (methods ? randomBytes(24).toString('base64url') : undefined);
      const clientAuthMethod = options.clientAuthMethod ?? methods?.[0];
      const client: MintingClient = {
        clientId: options.clientId ?? 'credshare-cli',
        ...(secret ? { secret: { value: secret, methods: methods ?? [clientAuthMethod ?? 'client_secret_basic'] } } : {}),
      };
      const clientAuthMethods = options.clientAuthMethods ?? methods;
      const claimOverrides = new Map<string, Record<string, unknown>>();
      const { provider, adapters } = await createProvider(`http://127.0.0.1:${port}`, {
        claimOverrides,
        clientId: client.clientId,
        redirectUris: options.redirectUris ?? ['http://127.0.0.1/callback'],
        accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 5,
        refreshTokenTtlSeconds: options.refreshTokenTtlSeconds ?? 14 * 24 * 60 * 60,
        exactRedirectUris: behaviours.exactRedirectUris === true,
        offlineAccessNeedsConsent: behaviours.offlineAccessNeedsConsent === true,
        rotateRefreshTokens: behaviours.refreshWithoutRotation !== true,
        ...(secret ? { clientSecret: secret } : {}),
        ...(clientAuthMethod ? { clientAuthMethod } : {}),
        ...(clientAuthMethods ? { clientAuthMethods } : {}),
      });
      return new EmbeddedIssuer(server, provider, adapters, client, behaviours, options.deviceCodeIntervalSeconds ?? 1, options.revocationAuthMethods, claimOverrides);
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

  /** Requests for a discovery document (OpenID or RFC 8414) since start or resetStats. */
  discoveryRequests(): number {
    return this.gate.stats.discoveryRequests;
  }

  /**
   * Mint a real session for a test account without a browser (see session-mint.ts).
   * This redemption is not counted in stats.
   */
  mintSession(options: { accountId?: string; scope?: string } = {}): Promise<MintedSession> {
    return mintSession(this.provider, this.client, (code) => this.gate.internalDeviceCodes.add(code), options);
  }

  /** True while the provider accepts this access token (same checks as its userinfo endpoint). */
  async isAccessTokenValid(accessToken: string): Promise<boolean> {
    const token = await this.provider.AccessToken.find(accessToken);
    return !!token && !token.isExpired && (await this.grantAlive(token));
  }

  /**
   * True while the refresh token's grant is alive and the token is neither consumed nor
   * expired; a rotated one counts as usable where rotation does not revoke it.
   */
  async isRefreshTokenUsable(refreshToken: string): Promise<boolean> {
    const token = await this.provider.RefreshToken.find(refreshToken);
    const consumed = !!token?.consumed && !this.behaviours.keepRotatedRefreshTokens;
    return !!token && !consumed && !token.isExpired && (await this.grantAlive(token));
  }

  /**
   * End the grant of this refresh token at the issuer, as a user removing the app's access
   * or an administrator would: its tokens stop working. Returns false for an unknown token.
   */
  async revokeGrant(refreshToken: string): Promise<boolean> {
    const token = await this.provider.RefreshToken.find(refreshToken, { ignoreExpiration: true });
    if (!token?.grantId) return false;
    await this.adapters('RefreshToken').revokeByGrantId(token.grantId);
    await this.adapters('Grant').destroy(token.grantId);
    return true;
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

  private async revive(refreshToken: string): Promise<void> {
    const token = await this.provider.RefreshToken.find(refreshToken, { ignoreExpiration: true });
    if (token?.consumed) this.adapters.unconsume('RefreshToken', token.jti);
  }

  private async grantAlive(token: TokenModel): Promise<boolean> {
    if (!token.grantId) return false;
    const grant = await this.provider.Grant.find(token.grantId, { ignoreExpiration: true });
    return !!grant && !grant.isExpired && grant.clientId === token.clientId && grant.accountId === token.accountId;
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    callProvider: ProviderCall,
  ): Promise<void> {
    const path = new URL(req.url ?? '/', this.url).pathname;
    if (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)) return handleAdmin(this, req, res);
    if (DISCOVERY_PATHS.includes(path)) {
      this.gate.stats.discoveryRequests++;
      if (this.behaviours.noDiscovery) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
        return;
      }
    }
    if (!isClientEndpoint(req.method, path)) return void (await callProvider(req, res));

    if (path === '/token/revocation') this.gate.stats.revocations++;
    const request = await readRequest(req);
    if (!request) {
      res.writeHead(413, { 'content-type': 'application/json' }).end('{"error":"invalid_request"}');
      return;
    }
    const refused = (answer: ServerResponse) => refuseClientAuth(this.behaviours, this.url, path, request, req.headers, answer);
    if (path === '/token') return this.gate.handle(request, req, res, refused);
    if (!refused(res)) await callProvider(request.replay(), res);
  }
}
