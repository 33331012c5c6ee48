import { oidcPluginParameters, type OidcOptions } from './config';

/** The administrator Debian's database script creates (documented in GETTING_STARTED.md). */
const ADMIN = { username: 'admin', password: 'password' };

/** The person who signs in through glewlwyd's own pages. */
export const USER = { username: 'alice', password: 'alice-password-1', name: 'Alice Example' };

/** The public client registered for credshare (no secret, device flow and refresh). */
export const PUBLIC_CLIENT_ID = 'credshare-cli';

/**
 * A confidential client: an installed-app secret, as Google's desktop clients have. glewlwyd lets a
 * client revoke its own tokens with HTTP Basic client authentication when the client also has the
 * client_credentials authorization type (OIDC.md, "Allow for the token client").
 */
export const CONFIDENTIAL_CLIENT = { id: 'credshare-with-secret', secret: 'installed-app-secret-not-confidential' };

/**
 * Configures a fresh glewlwyd through its own administration API (API.md), as an administrator
 * would in its admin pages: the OpenID Connect plugin, an `offline_access` scope, the user and
 * the two clients, each registered with `redirectUris` only.
 */
export async function configureThroughAdminApi(apiUrl: string, oidc: OidcOptions, redirectUris: string[]): Promise<void> {
  const cookie = await signInAsAdmin(apiUrl);
  const call = async (path: string, body: unknown): Promise<void> => {
    const res = await fetch(`${apiUrl}${path}`, {
      method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`glewlwyd admin API POST ${path} answered ${res.status}: ${await res.text()}`);
  };
  await call('/scope/', {
    name: 'offline_access', display_name: 'Offline access', description: 'Refresh tokens',
    password_required: true, password_max_age: 0, scheme: {},
  });
  await call('/mod/plugin/', {
    module: 'oidc', name: 'oidc', display_name: 'OpenID Connect', enabled: true, parameters: oidcPluginParameters(oidc),
  });
  await call('/user/', {
    username: USER.username, password: USER.password, name: USER.name, email: 'alice@example.test', enabled: true,
    scope: ['openid', 'offline_access'],
  });
  await call('/client/', {
    client_id: PUBLIC_CLIENT_ID, name: 'credshare', enabled: true, confidential: false, scope: [],
    // glewlwyd compares redirect URIs exactly, port included.
    redirect_uri: redirectUris,
    authorization_type: ['code', 'device_authorization', 'refresh_token'],
  });
  await call('/client/', {
    client_id: CONFIDENTIAL_CLIENT.id, client_secret: CONFIDENTIAL_CLIENT.secret, name: 'credshare (with a secret)', enabled: true,
    confidential: true, scope: [], redirect_uri: redirectUris,
    authorization_type: ['code', 'device_authorization', 'refresh_token', 'client_credentials'],
    // Without this list glewlwyd 2.7.5 answers every request of a confidential client with 403 unauthorized_client.
    token_endpoint_auth_method: ['client_secret_basic', 'client_secret_post'],
  });
}

/** Password sign-in at /api/auth/; glewlwyd answers with its session cookie. */
async function signInAsAdmin(apiUrl: string): Promise<string> {
  const res = await fetch(`${apiUrl}/auth/`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN),
  });
  const cookie = res.headers.get('set-cookie');
  if (!res.ok || !cookie) throw new Error(`glewlwyd admin sign-in answered ${res.status} without a session cookie`);
  return cookie.split(';')[0]!;
}
