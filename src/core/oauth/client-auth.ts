import * as oauth from 'oauth4webapi';
import type { Profile, TokenEndpointAuthMethod } from '../profile';
import { clientSecretBasic } from './basic-auth';

/** A client as oauth4webapi takes it: the metadata-shaped client and how it authenticates. */
export interface ClientCredentials {
  client: oauth.Client;
  auth: oauth.ClientAuth;
  method: TokenEndpointAuthMethod;
}

/** Why revocation cannot be used by this client (see {@link revocationAuthMethod}). */
export interface RevocationUnavailable {
  unavailable: string;
}

const SECRET_METHODS = ['client_secret_basic', 'client_secret_post'] as const;

/**
 * How the client authenticates at the token endpoint (also used for device authorization,
 * RFC 8628 section 3.1): the profile's explicit choice; else `none` without a secret; else
 * the first of basic, post that the metadata lists. Metadata that lists neither means the
 * RFC 8414 default, client_secret_basic.
 */
export function tokenAuthMethod(profile: Pick<Profile, 'clientSecret' | 'tokenEndpointAuthMethod'>, supported: unknown): TokenEndpointAuthMethod {
  if (profile.tokenEndpointAuthMethod) return profile.tokenEndpointAuthMethod;
  if (!profile.clientSecret) return 'none';
  const listed = asList(supported);
  return SECRET_METHODS.find((m) => listed?.includes(m)) ?? 'client_secret_basic';
}

/**
 * How the client authenticates at the revocation endpoint, from the metadata's
 * `revocation_endpoint_auth_methods_supported`. With a secret: the token endpoint's method
 * if listed (or nothing is listed), else a listed secret method. Without one: `none`,
 * unless the metadata lists methods and `none` is not among them, in which case the
 * issuer demands client authentication that this client cannot give.
 */
export function revocationAuthMethod(profile: Pick<Profile, 'clientSecret' | 'tokenEndpointAuthMethod'>,
  as: Pick<oauth.AuthorizationServer, 'token_endpoint_auth_methods_supported' | 'revocation_endpoint_auth_methods_supported'>): TokenEndpointAuthMethod | RevocationUnavailable {
  const listed = asList(as.revocation_endpoint_auth_methods_supported);
  if (!profile.clientSecret) {
    if (listed && !listed.includes('none')) {
      return { unavailable: `the issuer accepts revocation only with client authentication (${listed.join(', ')}), and this profile has no client secret` };
    }
    return 'none';
  }
  const preferred = tokenAuthMethod(profile, as.token_endpoint_auth_methods_supported);
  if (!listed || listed.includes(preferred)) return preferred;
  return SECRET_METHODS.find((m) => listed.includes(m)) ?? preferred;
}

/** oauth4webapi's client authentication for a method; the secret never leaves this object. */
export function clientCredentials(profile: Pick<Profile, 'clientId' | 'clientSecret'>, method: TokenEndpointAuthMethod): ClientCredentials {
  const client: oauth.Client = { client_id: profile.clientId };
  const secret = profile.clientSecret ?? '';
  switch (method) {
    case 'client_secret_basic': return { client, method, auth: clientSecretBasic(secret) };
    case 'client_secret_post': return { client, method, auth: oauth.ClientSecretPost(secret) };
    case 'none': return { client, method, auth: oauth.None() };
  }
}

/** The client for the token and device authorization endpoints of `as`. */
export function tokenClient(profile: Pick<Profile, 'clientId' | 'clientSecret' | 'tokenEndpointAuthMethod'>, as: oauth.AuthorizationServer): ClientCredentials {
  return clientCredentials(profile, tokenAuthMethod(profile, as.token_endpoint_auth_methods_supported));
}

function asList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}
