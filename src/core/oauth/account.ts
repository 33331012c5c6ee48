import * as oauth from 'oauth4webapi';
import type { Account, Session } from '../session';
import { httpOptions, type OAuthIo } from './http';

/** Where the tokens came from, to label the account and fill in defaults. */
export interface TokenSource {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  issuer: URL;
  io: OAuthIo;
  requestedScopes: string[];
}

/**
 * A session in the `credentials.json` shape from a token response. The ID token, if any,
 * was validated by oauth4webapi (issuer, audience, expiry, nonce); it gives the account.
 */
export async function sessionFromTokens(tokens: oauth.TokenEndpointResponse, source: TokenSource): Promise<Session> {
  return {
    accessToken: tokens.access_token,
    // Empty when the issuer gave none: such a session ends with its access token.
    refreshToken: tokens.refresh_token ?? '',
    expiresAt: Date.now() + (tokens.expires_in ?? 3600) * 1000,
    scope: tokens.scope ?? source.requestedScopes.join(' '),
    ...(tokens.id_token ? { idToken: tokens.id_token } : {}),
    account: await accountOf(tokens, source),
  };
}

/**
 * The account: `sub` as id, and name, else email, else preferred_username as label,
 * from the ID token or, when it carries none of them, from the userinfo endpoint.
 */
async function accountOf(tokens: oauth.TokenEndpointResponse, source: TokenSource): Promise<Account> {
  const claims = oauth.getValidatedIdTokenClaims(tokens);
  const fromIdToken = labelOf(claims);
  if (claims && fromIdToken) return { id: claims.sub, label: fromIdToken };
  const info = await userInfo(tokens, source, claims?.sub);
  const id = claims?.sub ?? info?.sub ?? '';
  return { id, label: labelOf(info) ?? (id || 'unknown account') };
}

async function userInfo(tokens: oauth.TokenEndpointResponse, source: TokenSource, sub: string | undefined): Promise<oauth.UserInfoResponse | undefined> {
  const { as, client, issuer, io } = source;
  if (!as.userinfo_endpoint) return undefined;
  try {
    const response = await oauth.userInfoRequest(as, client, tokens.access_token, httpOptions(issuer, io));
    return await oauth.processUserInfoResponse(as, client, sub ?? oauth.skipSubjectCheck, response);
  } catch {
    // The label is a nicety: a sign-in does not fail for want of one.
    return undefined;
  }
}

function labelOf(claims: Record<string, unknown> | undefined): string | undefined {
  for (const key of ['name', 'email', 'preferred_username']) {
    const value = claims?.[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return undefined;
}
