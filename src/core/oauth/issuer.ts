import * as oauth from 'oauth4webapi';
import { ConfigError, CredshareError, RefreshFailedError } from '../errors';
import type { Profile } from '../profile';
import { isInsecureAllowed } from './http';
import { discoverChecked, serverFromEndpoints } from './metadata';
import { formatIssuer } from '../format';

/** Parses an issuer URL, refusing plain HTTP anywhere but loopback. */
export function parseIssuer(issuer: string): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new ConfigError(`"${issuer}" is not a URL: give the issuer as https://login.example.com/...`);
  }
  if (url.protocol !== 'https:' && !isInsecureAllowed(url)) {
    throw new ConfigError(`Refusing issuer ${formatIssuer(url)}: tokens may only travel over HTTPS (plain HTTP is allowed on 127.0.0.1/localhost only).`);
  }
  return url;
}

const discovered = new Map<string, Promise<oauth.AuthorizationServer>>();

/**
 * The authorization server a refresh talks to, by the same rules as sign-in
 * (metadata.ts): the profile's `endpoints` when they give a token endpoint (no request
 * at all), else OpenID discovery with the RFC 8414 fallback, the issuer compared and
 * every endpoint HTTPS (plain HTTP on loopback only), so a token endpoint sign-in would
 * refuse never receives a refresh token. Discovered once per process per issuer and not
 * read from discovery-cache.json: only the process that holds the refresh lock gets
 * here, and a file any process could have written must not steer a refresh token.
 */
export function refreshServer(profile: Pick<Profile, 'endpoints'>, issuer: URL, timeoutMs: number): Promise<oauth.AuthorizationServer> {
  if (profile.endpoints?.token) return Promise.resolve().then(() => serverFromEndpoints(issuer, profile.endpoints!));
  const key = issuer.href;
  let pending = discovered.get(key);
  if (!pending) {
    pending = discoverChecked(issuer, { timeoutMs }, describeOAuthFailure);
    discovered.set(key, pending);
    pending.catch(() => discovered.delete(key));
  }
  return pending;
}

/** Turns whatever a request threw into an error that names the URL and says what to do. */
export function describeOAuthFailure(error: unknown, where: string, timeoutMs: number): Error {
  if (error instanceof CredshareError) return error;
  const name = (error as Error | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new RefreshFailedError(`${where} did not answer within ${Math.round(timeoutMs / 1000)}s. Your credentials are kept; try again later.`, { cause: error });
  }
  if (error instanceof oauth.ResponseBodyError) {
    const detail = error.error_description ? `${error.error}: ${error.error_description}` : error.error;
    return new RefreshFailedError(`${where} refused the request (HTTP ${error.status}, ${detail}). Your credentials are kept.`, { cause: error });
  }
  if (error instanceof oauth.OperationProcessingError) {
    return new RefreshFailedError(`${where} answered with something credshare cannot use (${error.message}). Your credentials are kept; check the issuer URL.`, { cause: error });
  }
  if (error instanceof TypeError) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return new RefreshFailedError(`Cannot reach ${where}${cause ? ` (${cause})` : ''}. Your credentials are kept; check your network and try again.`, { cause: error });
  }
  return new RefreshFailedError(`Request to ${where} failed: ${(error as Error)?.message ?? String(error)}. Your credentials are kept.`, { cause: error });
}
