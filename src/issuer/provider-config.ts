import { generateKeyPair, randomBytes, type JsonWebKey } from 'node:crypto';
import { promisify } from 'node:util';
import { Provider, type ClientModel, type Configuration, type TokenModel } from 'oidc-provider';
import type { ClientSecretMethod } from './behaviours';
import { createMemoryAdapterFactory, type MemoryAdapterFactory } from './memory-adapter';
import * as pages from './pages';

/** The provider settings the embedded issuer derives from its options. */
export interface ProviderSettings {
  clientId: string;
  redirectUris: string[];
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Redirect URIs match exactly, port included (a 'web' client; see behaviours.ts). */
  exactRedirectUris?: boolean;
  /** A confidential client with this secret; else a public client. */
  clientSecret?: string;
  /** With a secret: the method the client is registered with (default client_secret_basic). */
  clientAuthMethod?: ClientSecretMethod;
  /** What the issuer offers at all (published as token_endpoint_auth_methods_supported); default the provider's. */
  clientAuthMethods?: string[];
  /** Claims that replace an account's derived ones (a renamed user), read at every token issued. */
  claimOverrides?: Map<string, Record<string, unknown>>;
  /** The provider's own refresh-token rules (OpenID Connect Core §11): see behaviours.ts `offlineAccessNeedsConsent`. */
  offlineAccessNeedsConsent?: boolean;
  /** false: a refresh keeps the refresh token (behaviours.ts `refreshWithoutRotation`). Default true. */
  rotateRefreshTokens?: boolean;
}

/** The claims of a test account, derived from its id: 'alice' -> Alice Example, alice@example.test. */
export function accountClaims(accountId: string): Record<string, unknown> {
  const name = `${accountId.charAt(0).toUpperCase()}${accountId.slice(1)} Example`;
  return { sub: accountId, name, email: `${accountId}@example.test`, email_verified: true };
}

// RSA because RS256 is the default id_token alg of both the provider and
// oauth4webapi; one key per process keeps test start-up fast (keygen ~100 ms).
let signingKey: Promise<JsonWebKey> | undefined;
function getSigningKey(): Promise<JsonWebKey> {
  signingKey ??= promisify(generateKeyPair)('rsa', { modulusLength: 2048 }).then(({ privateKey }) => ({
    ...privateKey.export({ format: 'jwk' }),
    kid: randomBytes(8).toString('hex'),
    alg: 'RS256',
    use: 'sig',
  }));
  return signingKey;
}

const DAY = 24 * 60 * 60;

/**
 * The oidc-provider configuration. Every default the provider would announce with
 * "you SHOULD change it" (lib/helpers/defaults.js shouldChange) is replaced: those
 * notices go through console.info, i.e. to stdout, which `main.ts` reserves for its
 * one JSON line.
 */
export async function buildConfiguration(settings: ProviderSettings, adapter = createMemoryAdapterFactory()): Promise<Configuration> {
  const ownToken = async (_ctx: unknown, client: ClientModel, token: TokenModel) => token.clientId === client.clientId;
  const { clientSecret, clientAuthMethods } = settings;
  return {
    clients: [
      {
        client_id: settings.clientId,
        client_name: 'credshare',
        // 'native' lets loopback redirect URIs use any port (lib/models/client.js
        // #redirectAllowed); any other type compares them exactly.
        application_type: settings.exactRedirectUris ? 'web' : 'native',
        // The provider accepts either secret method from a client registered with one
        // (lib/shared/client_auth.js); the endpoint policy narrows that to `methods`.
        ...(clientSecret
          ? { token_endpoint_auth_method: settings.clientAuthMethod ?? 'client_secret_basic', client_secret: clientSecret }
          : { token_endpoint_auth_method: 'none' }),
        grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
        response_types: ['code'],
        redirect_uris: settings.redirectUris,
      },
    ],
    adapter,
    // What the metadata lists as token_endpoint_auth_methods_supported.
    ...(clientAuthMethods ? { clientAuthMethods } : {}),
    jwks: { keys: [await getSigningKey()] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    async findAccount(_ctx: unknown, accountId: string) {
      return { accountId, claims: async () => ({ ...accountClaims(accountId), ...settings.claimOverrides?.get(accountId) }) };
    },
    // Name and email come with plain `openid` too, so a client asking only for
    // openid + offline_access (credshare's default) can still label the account.
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    claims: { openid: ['sub', 'name', 'email', 'email_verified'], profile: ['name'], email: ['email', 'email_verified'] },
    conformIdTokenClaims: false, // put those claims in the id_token, not only behind userinfo
    responseTypes: ['code'], // no implicit or hybrid flows
    pkce: { required: () => true }, // only S256 exists in v9 (lib/helpers/pkce.js)
    // The provider's default issues a refresh token only when the grant holds
    // offline_access, and the authorization endpoint strips offline_access unless
    // prompt=consent is sent (lib/actions/authorization/scopes.js). Issue one to
    // our client whatever the scope, so auth-code and device logins both get one.
    // offlineAccessNeedsConsent keeps the provider's defaults for both (see behaviours.ts).
    ...(settings.offlineAccessNeedsConsent ? {} : {
      issueRefreshToken: async (_ctx: unknown, client: ClientModel) => client.grantTypeAllowed('refresh_token'),
      // Tokens must not die with the browser session of the login page.
      expiresWithSession: async () => false,
    }),
    rotateRefreshToken: settings.rotateRefreshTokens ?? true,
    // Default is 15 s: the provider would accept a 5 s access token for 20 s.
    clockTolerance: 0,
    ttl: {
      AccessToken: () => settings.accessTokenTtlSeconds,
      AuthorizationCode: () => 60,
      DeviceCode: () => 10 * 60,
      IdToken: () => 60 * 60,
      RefreshToken: () => settings.refreshTokenTtlSeconds,
      // The grant outlives the refresh tokens so that their TTL is the only knob.
      Grant: () => Math.max(settings.refreshTokenTtlSeconds, 14 * DAY),
      Interaction: () => 60 * 60,
      Session: () => 14 * DAY,
    },
    // The web workbench calls the token endpoint from a browser origin.
    clientBasedCORS: () => true,
    renderError: pages.renderError,
    features: {
      devInteractions: { enabled: true },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: pages.userCodeInput,
        userCodeConfirmSource: pages.userCodeConfirm,
        successSource: pages.deviceSuccess,
      },
      revocation: { enabled: true, allowedPolicy: ownToken },
      introspection: { enabled: true, allowedPolicy: ownToken },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: pages.logout,
        postLogoutSuccessSource: pages.postLogoutSuccess,
      },
    },
  };
}

/**
 * Configure and construct the provider for `issuer` (which must already be listening);
 * also returns its storage, whose records some behaviours touch directly.
 */
export async function createProvider(issuer: string, settings: ProviderSettings): Promise<{ provider: Provider; adapters: MemoryAdapterFactory }> {
  const adapters = createMemoryAdapterFactory();
  const configuration = await buildConfiguration(settings, adapters);
  return { provider: withoutDevInteractionsNotice(() => new Provider(issuer, configuration)), adapters };
}

/**
 * devInteractions warns on every construction that it is for development only
 * (lib/actions/interaction.js initialize), which is the point of this issuer; with
 * one issuer per test that is one stderr line per test. Construction is synchronous,
 * so filtering console.warn for its duration cannot swallow anything else.
 */
function withoutDevInteractionsNotice<T>(construct: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('devInteractions is enabled')) return;
    warn(...args);
  };
  try {
    return construct();
  } finally {
    console.warn = warn;
  }
}
