import * as fs from 'node:fs';
import * as path from 'node:path';
import * as oauth from 'oauth4webapi';
import type { ProfileEndpoints } from '../profile';
import { writePrivateFileAtomic } from '../private-files';
import { httpOptions, isInsecureAllowed, type OAuthIo } from './http';
import { describeIssuerFailure, UntrustedIssuerError } from './errors';
import { formatIssuer } from '../format';

/** How long discovered metadata is reused by sign-in, sign-out and doctor. */
const METADATA_MAX_AGE_MS = 60 * 60 * 1000;

/** Validated issuer metadata, and whether it came from `discovery-cache.json` or the profile's `endpoints`. */
export interface IssuerMetadata {
  as: oauth.AuthorizationServer;
  fetchedAt: number;
  fromCache: boolean;
  /** Built from config.json's `endpoints`: no discovery request was made. */
  fromProfile?: boolean;
}

export interface MetadataOptions extends OAuthIo {
  /** The credshare home, where `discovery-cache.json` lives. */
  home: string;
  /** Ignore the cache (doctor, and the retry after a failure). */
  refresh?: boolean;
  maxAgeMs?: number;
  /** The profile's `endpoints`: with `token`, used instead of discovery. */
  endpoints?: ProfileEndpoints;
}

const ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'device_authorization_endpoint', 'revocation_endpoint', 'userinfo_endpoint', 'jwks_uri'] as const;

/** config.json's names of the endpoints, and the metadata names they stand for. */
const PROFILE_ENDPOINTS: Record<keyof ProfileEndpoints, typeof ENDPOINTS[number]> = {
  authorization: 'authorization_endpoint',
  token: 'token_endpoint',
  deviceAuthorization: 'device_authorization_endpoint',
  revocation: 'revocation_endpoint',
  userinfo: 'userinfo_endpoint',
};

/**
 * The issuer's metadata: from the profile's `endpoints` when they give a token endpoint
 * (no request at all), else by OpenID discovery falling back to RFC 8414, cached in the
 * home for an hour. The cache is not secret but steers where tokens go, so it lives in
 * the private home, and an entry is used only if it still passes every check a fresh
 * document must pass, names this issuer, and was fetched in the past hour (not "in the
 * future": a planted entry dated ahead would otherwise never expire). Any other entry is
 * ignored and rewritten. The refresh path uses the same rules through issuer.ts.
 */
export async function loadIssuerMetadata(issuer: URL, options: MetadataOptions): Promise<IssuerMetadata> {
  if (options.endpoints?.token) return { as: serverFromEndpoints(issuer, options.endpoints), fetchedAt: Date.now(), fromCache: false, fromProfile: true };
  if (!options.refresh) {
    const cached = usableCacheEntry(readCache(options.home)[issuer.href], issuer, options.maxAgeMs ?? METADATA_MAX_AGE_MS);
    if (cached) return { as: cached.metadata, fetchedAt: cached.fetchedAt, fromCache: true };
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

/**
 * The metadata for `endpoints` (config.json), checked like a discovered document. The
 * issuer stays the profile's, as typed: it is what ID tokens must name.
 */
export function serverFromEndpoints(issuer: URL, endpoints: ProfileEndpoints): oauth.AuthorizationServer {
  // URL parsing adds "/" to a bare origin, which issuers do not put in their ID tokens' iss.
  const fields: Record<string, string> = { issuer: issuer.pathname === '/' ? issuer.origin : issuer.href };
  for (const [key, name] of Object.entries(PROFILE_ENDPOINTS) as [keyof ProfileEndpoints, string][]) {
    const value = endpoints[key];
    if (value !== undefined) fields[name] = value;
  }
  const as = fields as unknown as oauth.AuthorizationServer;
  const problem = endpointProblem(as);
  if (problem) {
    throw new UntrustedIssuerError(`Refusing the "endpoints" of config.json for ${formatIssuer(issuer)}: they give ${problem}, which is not an HTTPS URL. `
      + 'credshare sends tokens over HTTPS only (plain HTTP on loopback only); fix them in config.json.');
  }
  return as;
}

/**
 * OpenID discovery, then RFC 8414 where the OpenID document is missing (404), with the
 * issuer compared (oauth4webapi) and every endpoint required to be HTTPS (plain HTTP on
 * loopback only). The one discovery of credshare: sign-in, sign-out, doctor and refresh.
 * `describe` words a failed request (the refresh path says the credentials are kept).
 */
export async function discoverChecked(issuer: URL, io: OAuthIo,
  describe: (error: unknown, where: string, timeoutMs: number) => Error = describeIssuerFailure): Promise<oauth.AuthorizationServer> {
  let as: oauth.AuthorizationServer;
  try {
    let response = await oauth.discoveryRequest(issuer, { ...httpOptions(issuer, io), algorithm: 'oidc' });
    if (response.status === 404) response = await oauth.discoveryRequest(issuer, { ...httpOptions(issuer, io), algorithm: 'oauth2' });
    as = await oauth.processDiscoveryResponse(issuer, response);
  } catch (error) {
    if (error instanceof oauth.OperationProcessingError && error.code === oauth.JSON_ATTRIBUTE_COMPARISON) {
      const named = ((error.cause as { body?: { issuer?: unknown } } | undefined)?.body?.issuer);
      throw new UntrustedIssuerError(`Refusing ${formatIssuer(issuer)}: its discovery document describes another issuer (${JSON.stringify(named)}). `
        + 'Metadata must come from the issuer it names (RFC 8414 section 3.3); check --issuer, which must be the exact issuer URL, path included.', { cause: error });
    }
    throw describe(error, `${formatIssuer(issuer)} (discovery)`, io.timeoutMs);
  }
  const problem = endpointProblem(as);
  if (problem) {
    throw new UntrustedIssuerError(`Refusing ${formatIssuer(issuer)}: its metadata gives ${problem}, which is not an HTTPS URL. `
      + 'credshare sends tokens over HTTPS only (plain HTTP on loopback only); ask the issuer\'s administrator.');
  }
  return as;
}

/** The first endpoint that is not HTTPS (plain HTTP on loopback excepted), as `name as "value"`; else undefined. */
function endpointProblem(as: oauth.AuthorizationServer): string | undefined {
  for (const name of ENDPOINTS) {
    const value = as[name];
    if (value === undefined) continue;
    const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
    if (!url || (url.protocol !== 'https:' && !isInsecureAllowed(url))) return `${name} as ${JSON.stringify(value)}`;
  }
  return undefined;
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

/** A cache entry fit to use now, or undefined (then the caller discovers and rewrites it). */
function usableCacheEntry(entry: CacheEntry | undefined, issuer: URL, maxAgeMs: number): CacheEntry | undefined {
  if (!entry || typeof entry.fetchedAt !== 'number') return undefined;
  const age = Date.now() - entry.fetchedAt;
  if (!(age >= 0 && age < maxAgeMs)) return undefined;
  if (!sameIssuer(entry.metadata, issuer) || endpointProblem(entry.metadata)) return undefined;
  return entry;
}

function sameIssuer(metadata: oauth.AuthorizationServer | undefined, issuer: URL): boolean {
  return typeof metadata?.issuer === 'string' && URL.canParse(metadata.issuer) && new URL(metadata.issuer).href === issuer.href
    && typeof metadata.token_endpoint === 'string';
}
