import * as oauth from 'oauth4webapi';
import type { Account, Session } from '../session';
import { displayName, stableLabel } from './account-claims';
import { httpOptions, type OAuthIo } from './http';
import { timingFromRequest } from '../token-expiry';

/** Where the tokens came from, to label the account and fill in defaults. */
export interface TokenSource {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  issuer: URL;
  io: OAuthIo;
  requestedScopes: string[];
}

/** A token endpoint's answer, and when (epoch ms) the request that got it was sent. */
export interface IssuedTokens {
  tokens: oauth.TokenEndpointResponse;
  requestedAt: number;
}

/**
 * A session in the `credentials.json` shape from a sign-in's token response, its expiry
 * dated from the request (token-expiry.ts). The ID token, if any, was validated by
 * oauth4webapi (issuer, audience, expiry, nonce); it gives the account.
 */
export async function sessionFromTokens({ tokens, requestedAt }: IssuedTokens, source: TokenSource): Promise<Session> {
  return {
    accessToken: tokens.access_token,
    // Empty when the issuer gave none: such a session ends with its access token.
    refreshToken: tokens.refresh_token ?? '',
    ...timingFromRequest(tokens.expires_in, requestedAt),
    scope: tokens.scope ?? source.requestedScopes.join(' '),
    ...(tokens.id_token ? { idToken: tokens.id_token } : {}),
    account: await accountOf(tokens, source),
  };
}

/**
 * The account: `sub` as id; as label a stable identifier (preferred_username, else email,
 * else the subject: see account-claims.ts); the display name beside it. From the ID token
 * or, when it carries no label, from the userinfo endpoint.
 */
async function accountOf(tokens: oauth.TokenEndpointResponse, source: TokenSource): Promise<Account> {
  const claims = oauth.getValidatedIdTokenClaims(tokens) as Record<string, unknown> & { sub: string } | undefined;
  if (claims && stableLabel(claims)) return withName({ id: claims.sub, label: stableLabel(claims)! }, displayName(claims));
  const info = await userInfo(tokens, source, claims?.sub);
  const id = claims?.sub ?? info?.sub ?? '';
  return withName({ id, label: stableLabel(info) ?? (id || 'unknown account') }, displayName(claims) ?? displayName(info));
}

function withName(account: Account, name: string | undefined): Account {
  return name ? { ...account, name } : account;
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
