import type { Provider } from 'oidc-provider';
import type { ClientSecretMethod } from './behaviours';

/** A session minted by {@link mintSession}: a real token response of the provider. */
export interface MintedSession {
  accessToken: string;
  refreshToken: string;
  idToken?: string;
  expiresIn: number;
  scope: string;
  accountId: string;
}

/** The issuer's own client, as the token endpoint must see it. */
export interface MintingClient {
  clientId: string;
  secret?: { value: string; methods: ClientSecretMethod[] };
}

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * Mint a real session for a test account without a browser: store an already-approved
 * device code for a new grant and redeem it at the issuer's own token endpoint, so the
 * answer (refresh token, access token, id_token) is issued by the provider itself.
 * `register` is told the device code first, so the token gate can leave it uncounted.
 */
export async function mintSession(
  provider: Provider,
  client: MintingClient,
  register: (deviceCode: string) => void,
  options: { accountId?: string; scope?: string } = {},
): Promise<MintedSession> {
  const accountId = options.accountId ?? 'alice';
  const scope = options.scope ?? 'openid offline_access';
  const { Client, Grant, DeviceCode } = provider;
  const model = await Client.find(client.clientId);
  const grant = new Grant({ accountId, clientId: client.clientId });
  grant.addOIDCScope(scope);
  const grantId = await grant.save();
  const code = new DeviceCode({
    client: model,
    accountId,
    grantId,
    scope,
    authTime: Math.floor(Date.now() / 1000),
    expiresWithSession: false,
    params: { client_id: client.clientId, scope },
  });
  const deviceCode = await code.save();
  register(deviceCode);
  const form = new URLSearchParams({ grant_type: DEVICE_CODE_GRANT, device_code: deviceCode, client_id: client.clientId });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (client.secret?.methods.includes('client_secret_post')) form.set('client_secret', client.secret.value);
  else if (client.secret) headers.authorization = basicAuthorization(client.clientId, client.secret.value);
  const response = await fetch(`${provider.issuer}/token`, { method: 'POST', headers, body: form });
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

/** RFC 6749 §2.3.1: both parts form-urlencoded before base64. */
export function basicAuthorization(clientId: string, secret: string): string {
  const encode = (part: string) => encodeURIComponent(part).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}
