import * as oauth from 'oauth4webapi';
import { ConfigError, RefreshFailedError } from '../errors';
import { httpOptions, isInsecureAllowed } from './http';

/** Parses an issuer URL, refusing plain HTTP anywhere but loopback. */
export function parseIssuer(issuer: string): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new ConfigError(`"${issuer}" is not a URL: give the issuer as https://login.example.com/...`);
  }
  if (url.protocol !== 'https:' && !isInsecureAllowed(url)) {
    throw new ConfigError(`Refusing issuer ${url.href}: tokens may only travel over HTTPS (plain HTTP is allowed on 127.0.0.1/localhost only).`);
  }
  return url;
}

const discovered = new Map<string, Promise<oauth.AuthorizationServer>>();

/**
 * OpenID discovery, once per process per issuer. (Unlike sign-in's metadata.ts, no
 * RFC 8414 fallback and no cache on disk: a refresh uses what sign-in found.) Only the
 * process that holds the refresh lock gets here, so there is no point caching on disk
 * for the refresh path. A discovery document for another issuer is refused by oauth4webapi.
 */
export function discover(issuer: URL, timeoutMs: number): Promise<oauth.AuthorizationServer> {
  const key = issuer.href;
  let pending = discovered.get(key);
  if (!pending) {
    pending = discoverUncached(issuer, timeoutMs);
    discovered.set(key, pending);
    pending.catch(() => discovered.delete(key));
  }
  return pending;
}

async function discoverUncached(issuer: URL, timeoutMs: number): Promise<oauth.AuthorizationServer> {
  try {
    const response = await oauth.discoveryRequest(issuer, { ...httpOptions(issuer, { timeoutMs }), algorithm: 'oidc' });
    return await oauth.processDiscoveryResponse(issuer, response);
  } catch (error) {
    throw describeOAuthFailure(error, `${issuer.href} (discovery)`, timeoutMs);
  }
}

/** Turns whatever a request threw into an error that names the URL and says what to do. */
export function describeOAuthFailure(error: unknown, where: string, timeoutMs: number): Error {
  if (error instanceof ConfigError || error instanceof RefreshFailedError) return error;
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
