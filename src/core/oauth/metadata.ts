import * as fs from 'node:fs';
import * as path from 'node:path';
import * as oauth from 'oauth4webapi';
import { writePrivateFileAtomic } from '../private-files';
import { httpOptions, isInsecureAllowed, type OAuthIo } from './http';
import { describeIssuerFailure, UntrustedIssuerError } from './errors';

/** How long discovered metadata is reused by sign-in, sign-out and doctor. */
const METADATA_MAX_AGE_MS = 60 * 60 * 1000;

/** Validated issuer metadata, and whether it came from `discovery-cache.json`. */
export interface IssuerMetadata {
  as: oauth.AuthorizationServer;
  fetchedAt: number;
  fromCache: boolean;
}

export interface MetadataOptions extends OAuthIo {
  /** The credshare home, where `discovery-cache.json` lives. */
  home: string;
  /** Ignore the cache (doctor, and the retry after a failure). */
  refresh?: boolean;
  maxAgeMs?: number;
}

const ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'device_authorization_endpoint', 'revocation_endpoint', 'userinfo_endpoint', 'jwks_uri'] as const;

/**
 * The issuer's metadata by OpenID discovery, falling back to RFC 8414, cached in the
 * home for an hour. The cache is not secret but steers where tokens go, so it lives in
 * the private home and holds only documents that passed the checks below. The refresh
 * path does not use it (it discovers once per process in issuer.ts).
 */
export async function loadIssuerMetadata(issuer: URL, options: MetadataOptions): Promise<IssuerMetadata> {
  if (!options.refresh) {
    const cached = readCache(options.home)[issuer.href];
    if (cached && Date.now() - cached.fetchedAt < (options.maxAgeMs ?? METADATA_MAX_AGE_MS) && sameIssuer(cached.metadata, issuer)) {
      return { as: cached.metadata, fetchedAt: cached.fetchedAt, fromCache: true };
    }
  }
  const as = await discoverChecked(issuer, options);
  const fetchedAt = Date.now();
  writeCache(options.home, (cache) => { cache[issuer.href] = { fetchedAt, metadata: as }; });
  return { as, fetchedAt, fromCache: false };
}

/** Drops the cached document, so the next use discovers again (after a failure with it). */
export function forgetIssuerMetadata(home: string, issuer: URL): void {
  writeCache(home, (cache) => { delete cache[issuer.href]; });
}

/**
 * Runs one non-interactive step with the metadata; if it fails and the metadata came
 * from the cache, discovers again and, if the document changed, retries once with it.
 */
export async function withMetadata<T>(issuer: URL, options: MetadataOptions, metadata: IssuerMetadata,
  step: (as: oauth.AuthorizationServer) => Promise<T>): Promise<{ result: T; as: oauth.AuthorizationServer }> {
  try {
    return { result: await step(metadata.as), as: metadata.as };
  } catch (error) {
    if (!metadata.fromCache || options.signal?.aborted) throw error;
    const fresh = await loadIssuerMetadata(issuer, { ...options, refresh: true });
    if (JSON.stringify(fresh.as) === JSON.stringify(metadata.as)) throw error;
    return { result: await step(fresh.as), as: fresh.as };
  }
}

async function discoverChecked(issuer: URL, io: OAuthIo): Promise<oauth.AuthorizationServer> {
  let as: oauth.AuthorizationServer;
  try {
    let response = await oauth.discoveryRequest(issuer, { ...httpOptions(issuer, io), algorithm: 'oidc' });
    if (response.status === 404) response = await oauth.discoveryRequest(issuer, { ...httpOptions(issuer, io), algorithm: 'oauth2' });
    as = await oauth.processDiscoveryResponse(issuer, response);
  } catch (error) {
    if (error instanceof oauth.OperationProcessingError && error.code === oauth.JSON_ATTRIBUTE_COMPARISON) {
      const named = ((error.cause as { body?: { issuer?: unknown } } | undefined)?.body?.issuer);
      throw new UntrustedIssuerError(`Refusing ${issuer.href}: its discovery document describes another issuer (${JSON.stringify(named)}). `
        + 'Metadata must come from the issuer it names (RFC 8414 section 3.3); check --issuer, which must be the exact issuer URL, path included.', { cause: error });
    }
    throw describeIssuerFailure(error, `${issuer.href} (discovery)`, io.timeoutMs);
  }
  for (const name of ENDPOINTS) {
    const value = as[name];
    if (value === undefined) continue;
    const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
    if (!url || (url.protocol !== 'https:' && !isInsecureAllowed(url))) {
      throw new UntrustedIssuerError(`Refusing ${issuer.href}: its metadata gives ${name} as ${JSON.stringify(value)}, which is not an HTTPS URL. `
        + 'credshare sends tokens over HTTPS only (plain HTTP on loopback only); ask the issuer\'s administrator.');
    }
  }
  return as;
}

interface CacheEntry { fetchedAt: number; metadata: oauth.AuthorizationServer }

function cacheFile(home: string): string {
  return path.join(home, 'discovery-cache.json');
}

function readCache(home: string): Record<string, CacheEntry> {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(cacheFile(home), 'utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed as Record<string, CacheEntry> : {};
  } catch {
    return {};
  }
}

/** Best effort: a cache that cannot be written only costs a discovery request next time. */
function writeCache(home: string, change: (cache: Record<string, CacheEntry>) => void): void {
  const cache = readCache(home);
  change(cache);
  try {
    writePrivateFileAtomic(cacheFile(home), JSON.stringify(cache, null, 2) + '\n');
  } catch {
    // Advisory only.
  }
}

function sameIssuer(metadata: oauth.AuthorizationServer | undefined, issuer: URL): boolean {
  return typeof metadata?.issuer === 'string' && URL.canParse(metadata.issuer) && new URL(metadata.issuer).href === issuer.href
    && typeof metadata.token_endpoint === 'string';
}
