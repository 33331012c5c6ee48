import * as oauth from 'oauth4webapi';
import { loginCommand, type Profile } from '../profile';
import { clientCredentials, revocationAuthMethod } from './client-auth';
import { redactError } from '../redact';
import { describeIssuerFailure, readChallengeBody } from './errors';
import { httpOptions, type OAuthIo } from './http';

/** How a revocation went: done at the endpoint, the issuer offers none, or not to this client. */
export type RevocationOutcome =
  | { revoked: true; endpoint: string }
  | { revoked: false; reason: 'not-offered' }
  | { revoked: false; reason: 'unavailable'; endpoint: string; why: string };

/**
 * RFC 7009 revocation of a refresh token, if the issuer's metadata names a revocation
 * endpoint, authenticating as `revocation_endpoint_auth_methods_supported` asks (with
 * the profile's secret, if it has one). Most issuers revoke the whole grant with it
 * (oidc-provider does), so it must only ever be given the token of the session being
 * signed out. An issuer that demands client authentication this client cannot give (its
 * metadata lists no `none`, or it answers a public client 401) is "unavailable", not a
 * failure: nothing credshare can do will revoke that token. Other failures throw an
 * IssuerRequestError naming the endpoint.
 */
export async function revokeRefreshToken(as: oauth.AuthorizationServer, profile: Pick<Profile, 'clientId' | 'clientSecret' | 'tokenEndpointAuthMethod'> & { name?: string },
  issuer: URL, refreshToken: string, io: OAuthIo): Promise<RevocationOutcome> {
  const endpoint = as.revocation_endpoint;
  if (!endpoint) return { revoked: false, reason: 'not-offered' };
  const method = revocationAuthMethod(profile, as);
  if (typeof method !== 'string') return { revoked: false, reason: 'unavailable', endpoint, why: method.unavailable };
  const { client, auth } = clientCredentials(profile, method);
  try {
    const response = await oauth.revocationRequest(as, client, auth, refreshToken,
      { ...httpOptions(issuer, io), additionalParameters: { token_type_hint: 'refresh_token' } });
    await oauth.processRevocationResponse(response);
    return { revoked: true, endpoint };
  } catch (error) {
    if (method === 'none' && statusOf(error) === 401) {
      return { revoked: false, reason: 'unavailable', endpoint, why: 'the issuer answered 401: it demands client authentication, and this profile has no client secret' };
    }
    await readChallengeBody(error);
    // An endpoint may quote the token it was sent, which is still valid if revocation failed.
    throw redactError(describeIssuerFailure(error, endpoint, io.timeoutMs, { method, clientId: profile.clientId, login: loginCommand(profile.name ?? 'default') }), [refreshToken, profile.clientSecret]);
  }
}

/** Revocation without a request: what {@link revokeRefreshToken} would do about client authentication (for doctor). */
export function revocationAvailability(as: oauth.AuthorizationServer, profile: Pick<Profile, 'clientSecret' | 'tokenEndpointAuthMethod'>): string {
  if (!as.revocation_endpoint) return 'revocation no';
  const method = revocationAuthMethod(profile, as);
  if (typeof method !== 'string') return 'revocation not available to this client (the issuer demands client authentication; no client secret)';
  return method === 'none' ? 'revocation yes' : `revocation yes (authenticated with ${method})`;
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof oauth.ResponseBodyError || error instanceof oauth.WWWAuthenticateChallengeError) return error.status;
  if (error instanceof oauth.OperationProcessingError && error.cause instanceof Response) return error.cause.status;
  return undefined;
}
