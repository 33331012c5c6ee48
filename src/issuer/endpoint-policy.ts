import type { ServerResponse } from 'node:http';
import { clientAuthMethodOf, type IssuerBehaviours } from './behaviours';
import type { ReadRequest } from './replay';

/** The discovery documents the provider serves (lib/helpers/initialize_app.js). */
export const DISCOVERY_PATHS = ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'];

/** POST endpoints where a client authenticates, and whether a public client may. */
const CLIENT_ENDPOINTS: Record<string, 'token' | 'device' | 'revocation'> = {
  '/token': 'token',
  '/device/auth': 'device',
  '/token/revocation': 'revocation',
};

/** True for a request whose body the policy must see before the provider does. */
export function isClientEndpoint(method: string | undefined, path: string): boolean {
  return method === 'POST' && Object.hasOwn(CLIENT_ENDPOINTS, path);
}

/**
 * The client-authentication rules of the behaviours that oidc-provider cannot express
 * itself: it accepts either secret method from a client registered with one, and it lets
 * a public client revoke. Answers 401 invalid_client, as RFC 6749 §5.2 says, where the
 * behaviours demand another method; returns true when it answered.
 */
export function refuseClientAuth(behaviours: IssuerBehaviours, issuer: string, path: string, request: ReadRequest, headers: { authorization?: string }, res: ServerResponse): boolean {
  const endpoint = CLIENT_ENDPOINTS[path];
  // Without these behaviours the provider's own rules stand, unchanged.
  if (!endpoint || (!behaviours.clientSecretMethods && !behaviours.revocationRequiresClientAuth)) return false;
  const used = clientAuthMethodOf(headers, request.form);
  const allowed: string[] = behaviours.clientSecretMethods ?? ['none'];
  if (endpoint === 'revocation' && behaviours.revocationRequiresClientAuth && !behaviours.clientSecretMethods) {
    // A public client has no secret to offer: RFC 7009 §2.1 lets the server demand one.
    allowed.splice(0, allowed.length, 'client_secret_basic', 'client_secret_post');
  }
  if (allowed.includes(used)) return false;
  res.writeHead(401, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'www-authenticate': `Basic realm="${issuer}"`,
  }).end(JSON.stringify({
    error: 'invalid_client',
    error_description: used === 'none'
      ? `client authentication required at this endpoint (${allowed.join(' or ')})`
      : `${used} is not accepted here (${allowed.join(' or ')})`,
  }));
  return true;
}

/**
 * The metadata the behaviours imply, written over the provider's discovery document. The
 * provider publishes no `revocation_endpoint_auth_methods_supported`; it is added only where
 * a behaviour or the `revocationAuthMethods` knob asks, so today's issuer stays as it was.
 */
export function adjustMetadata(behaviours: IssuerBehaviours, document: Record<string, unknown>, revocationAuthMethods?: string[]): void {
  if (revocationAuthMethods) document.revocation_endpoint_auth_methods_supported = revocationAuthMethods;
  else if (behaviours.revocationRequiresClientAuth && !behaviours.clientSecretMethods) {
    document.revocation_endpoint_auth_methods_supported = ['client_secret_basic', 'client_secret_post'];
  } else if (behaviours.clientSecretMethods) {
    document.revocation_endpoint_auth_methods_supported = behaviours.clientSecretMethods;
  }
}

/**
 * After the client's secret was rotated (EmbeddedIssuer.retireClientSecret): a request that
 * presents a secret is refused as LemonLDAP::NG 2.16 refuses a wrong one (its
 * invalidClientResponse): with HTTP Basic, 401, `WWW-Authenticate: Basic` and
 * `{"error":"invalid_client"}`; with the secret in the body, 400 and the same body.
 * Returns true when it answered.
 */
export function refuseRetiredSecret(request: ReadRequest, headers: { authorization?: string }, res: ServerResponse): boolean {
  const used = clientAuthMethodOf(headers, request.form);
  if (used === 'none') return false;
  const basic = used === 'client_secret_basic';
  res.writeHead(basic ? 401 : 400, { 'content-type': 'application/json', 'cache-control': 'no-store', ...(basic ? { 'www-authenticate': 'Basic' } : {}) })
    .end(JSON.stringify({ error: 'invalid_client' }));
  return true;
}
