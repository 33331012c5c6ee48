import * as oauth from 'oauth4webapi';
import { redactError } from '../redact';
import { describeIssuerFailure } from './errors';
import { httpOptions, type OAuthIo } from './http';

/** How a revocation went: done at the endpoint, or the issuer offers none. */
export type RevocationOutcome = { revoked: true; endpoint: string } | { revoked: false; reason: 'not-offered' };

/**
 * RFC 7009 revocation of a refresh token, if the issuer's metadata names a revocation
 * endpoint. Most issuers revoke the whole grant with it (oidc-provider does), so it must
 * only ever be given the token of the session being signed out. Failures throw an
 * IssuerRequestError naming the endpoint.
 */
export async function revokeRefreshToken(as: oauth.AuthorizationServer, client: oauth.Client, issuer: URL, refreshToken: string,
  io: OAuthIo): Promise<RevocationOutcome> {
  const endpoint = as.revocation_endpoint;
  if (!endpoint) return { revoked: false, reason: 'not-offered' };
  try {
    const response = await oauth.revocationRequest(as, client, oauth.None(), refreshToken,
      { ...httpOptions(issuer, io), additionalParameters: { token_type_hint: 'refresh_token' } });
    await oauth.processRevocationResponse(response);
    return { revoked: true, endpoint };
  } catch (error) {
    // An endpoint may quote the token it was sent, which is still valid if revocation failed.
    throw redactError(describeIssuerFailure(error, endpoint, io.timeoutMs), [refreshToken]);
  }
}
