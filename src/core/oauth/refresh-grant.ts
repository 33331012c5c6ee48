import * as oauth from 'oauth4webapi';
import { InvalidGrantError } from '../errors';
import type { Profile } from '../profile';
import { describeOAuthFailure, discover, parseIssuer, requestOptions } from './issuer';

/** The tokens an issuer answered a refresh with. */
export interface TokenResponse {
  accessToken: string;
  /** Absent when the issuer does not rotate: keep using the old one. */
  refreshToken?: string;
  expiresIn?: number;
  scope?: string;
  idToken?: string;
}

/** Redeems a refresh token. The coordinator calls it only while holding the lock. */
export type Refresher = (profile: Profile, refreshToken: string, timeoutMs: number) => Promise<TokenResponse>;

/** The real refresher: one RFC 6749 refresh_token grant through oauth4webapi. */
export const refreshWithIssuer: Refresher = async (profile, refreshToken, timeoutMs) => {
  const issuer = parseIssuer(profile.issuer);
  const as = await discover(issuer, timeoutMs);
  const client: oauth.Client = { client_id: profile.clientId };
  const where = as.token_endpoint ?? issuer.href;
  let result: oauth.TokenEndpointResponse;
  try {
    const response = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshToken, requestOptions(issuer, timeoutMs));
    result = await oauth.processRefreshTokenResponse(as, client, response);
  } catch (error) {
    if (error instanceof oauth.ResponseBodyError && error.error === 'invalid_grant') {
      throw new InvalidGrantError(`${where} no longer accepts the refresh token (invalid_grant).`, { cause: error });
    }
    throw describeOAuthFailure(error, where, timeoutMs);
  }
  return {
    accessToken: result.access_token,
    refreshToken: result.refresh_token,
    expiresIn: result.expires_in,
    scope: result.scope,
    idToken: result.id_token,
  };
};
