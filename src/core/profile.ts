import { ConfigError, SignInRequiredError } from './errors';
import type { HomePaths } from './paths';
import * as fs from 'node:fs';
import { checkHome, writePrivateFileAtomic, ensurePrivateDir } from './private-files';
import { authorizationParametersProblem, promptProblem } from './authorization-request';

/** One issuer + client + the hosts its tokens are for (DESIGN.md, config.json). */
export interface Profile {
  name: string;
  issuer: string;
  clientId: string;
  scopes: string[];
  /** Hosts the credential helpers answer for; any other host gets no credentials. */
  hosts: string[];
  /** Refresh when the access token has less than this left. */
  refreshToleranceSeconds: number;
  /** The cargo provider sends the bare token, not `Bearer <token>`, for registries that want that. */
  cargoBareToken?: boolean;
  /** An installed-app client secret (Google, GitHub Apps): not confidential, but required. Never printed. */
  clientSecret?: string;
  /** How the client authenticates at the token endpoint; default `none` without a secret, else what the metadata lists. */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  /** The browser flow listens on exactly http://127.0.0.1:<redirectPort>/callback (issuers that match redirect URIs exactly). */
  redirectPort?: number;
  /** Endpoints used instead of discovery (issuers without a discovery document); with `token`, refresh discovers nothing. */
  endpoints?: ProfileEndpoints;
  /** OpenID Connect `prompt` for the browser flow, e.g. `consent` where offline access needs it (authorization-request.ts). */
  prompt?: string;
  /** Extra parameters of the browser flow's authorization request, e.g. Google's `{"access_type": "offline"}`. */
  authorizationParameters?: Record<string, string>;
}

/** The client authentication methods credshare speaks (RFC 7591 section 2 names). */
export const TOKEN_ENDPOINT_AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post'] as const;
export type TokenEndpointAuthMethod = typeof TOKEN_ENDPOINT_AUTH_METHODS[number];

/** Endpoint URLs given in config.json instead of discovery. */
export interface ProfileEndpoints {
  authorization?: string;
  token?: string;
  deviceAuthorization?: string;
  revocation?: string;
  userinfo?: string;
}

export const ENDPOINT_NAMES = ['authorization', 'token', 'deviceAuthorization', 'revocation', 'userinfo'] as const;

/** Tuning that applies to the whole home; every field is optional in config.json. */
export interface Timings {
  /** A lock whose holder stopped updating it for this long is taken over. */
  lockStaleMs: number;
  /** How long a process waits for a refresh (its own turn or a sibling's) before failing. */
  lockTimeoutMs: number;
  /** How long one request to the issuer may take. */
  requestTimeoutMs: number;
}

export interface Config {
  defaultProfile: string;
  profiles: Record<string, Profile>;
  timings: Timings;
  /** The file as read, unknown fields included, so a rewrite keeps them. */
  raw: Record<string, unknown>;
}

export const DEFAULT_TOLERANCE_SECONDS = 300;

/** What a profile asks for when it names no scopes: an ID token and a refresh token. */
export const DEFAULT_SCOPES: readonly string[] = ['openid', 'offline_access'];
export const DEFAULT_TIMINGS: Timings = { lockStaleMs: 10_000, lockTimeoutMs: 60_000, requestTimeoutMs: 20_000 };

/** Reads config.json; a missing file is an empty configuration, a bad one an error naming it. */
export function loadConfig(paths: HomePaths): Config {
  // Before anything in it is read: the profile decides where tokens go (issue 12).
  checkHome(paths.home);
  const text = readConfigText(paths.config);
  if (text === undefined) return { defaultProfile: 'default', profiles: {}, timings: DEFAULT_TIMINGS, raw: {} };
  const fail = (problem: string): never => {
    throw new ConfigError(`${paths.config}: ${problem}. Fix the file, or move it aside and run \`credshare login --issuer URL --client-id ID\`.`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fail('is not valid JSON');
  }
  if (!isObject(raw)) return fail('is not a JSON object');
  const profiles: Record<string, Profile> = {};
  const rawProfiles = raw.profiles ?? {};
  if (!isObject(rawProfiles)) return fail('"profiles" is not an object');
  for (const [name, value] of Object.entries(rawProfiles)) {
    const problem = profileProblem(value);
    if (problem) return fail(`profile "${name}": ${problem}`);
    const p = value as Record<string, unknown>;
    profiles[name] = {
      name,
      issuer: p.issuer as string,
      clientId: p.clientId as string,
      scopes: (p.scopes as string[] | undefined) ?? [...DEFAULT_SCOPES],
      hosts: ((p.hosts as string[] | undefined) ?? []).map((h) => h.toLowerCase()),
      refreshToleranceSeconds: (p.refreshToleranceSeconds as number | undefined) ?? DEFAULT_TOLERANCE_SECONDS,
      // Only when set: saveProfile spreads the fields over the stored ones, and an
      // undefined here would drop what the user wrote.
      ...(p.cargoBareToken === true ? { cargoBareToken: true } : {}),
      ...(p.clientSecret !== undefined ? { clientSecret: p.clientSecret as string } : {}),
      ...(p.tokenEndpointAuthMethod !== undefined ? { tokenEndpointAuthMethod: p.tokenEndpointAuthMethod as TokenEndpointAuthMethod } : {}),
      ...(p.redirectPort !== undefined ? { redirectPort: p.redirectPort as number } : {}),
      ...(p.endpoints !== undefined ? { endpoints: { ...(p.endpoints as ProfileEndpoints) } } : {}),
      ...(p.prompt !== undefined ? { prompt: p.prompt as string } : {}),
      ...(p.authorizationParameters !== undefined ? { authorizationParameters: { ...(p.authorizationParameters as Record<string, string>) } } : {}),
    };
  }
  const timings = { ...DEFAULT_TIMINGS };
  for (const key of Object.keys(DEFAULT_TIMINGS) as (keyof Timings)[]) {
    const value = raw[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value > 0)) return fail(`"${key}" must be a positive number of milliseconds`);
    timings[key] = value;
  }
  const defaultProfile = raw.defaultProfile ?? 'default';
  if (typeof defaultProfile !== 'string') return fail('"defaultProfile" must be a string');
  return { defaultProfile, profiles, timings, raw };
}

/** config.json holds no secret, so a hand-written 0644 file is fine to read. */
function readConfigText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}). Check its permissions.`);
  }
}

function profileProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'is not an object';
  if (typeof value.issuer !== 'string' || !URL.canParse(value.issuer)) return '"issuer" must be a URL';
  if (typeof value.clientId !== 'string' || value.clientId === '') return '"clientId" must be a non-empty string';
  if (value.scopes !== undefined && !isStringArray(value.scopes)) return '"scopes" must be a list of strings';
  if (value.hosts !== undefined && !isStringArray(value.hosts)) return '"hosts" must be a list of host names';
  const tolerance = value.refreshToleranceSeconds;
  if (tolerance !== undefined && (typeof tolerance !== 'number' || tolerance < 0)) return '"refreshToleranceSeconds" must be a number of seconds';
  if (value.cargoBareToken !== undefined && typeof value.cargoBareToken !== 'boolean') return '"cargoBareToken" must be true or false';
  return clientProblem(value);
}

/** The issuer-reach fields (clientSecret, tokenEndpointAuthMethod, redirectPort, endpoints). */
export function clientProblem(value: Record<string, unknown>): string | undefined {
  const { clientSecret: secret, tokenEndpointAuthMethod: method, redirectPort: port, endpoints } = value;
  if (secret !== undefined && (typeof secret !== 'string' || secret === '')) return '"clientSecret" must be a non-empty string';
  if (method !== undefined && !(TOKEN_ENDPOINT_AUTH_METHODS as readonly unknown[]).includes(method)) {
    return `"tokenEndpointAuthMethod" must be one of ${TOKEN_ENDPOINT_AUTH_METHODS.join(', ')}`;
  }
  if ((method === 'client_secret_basic' || method === 'client_secret_post') && secret === undefined) {
    return `"tokenEndpointAuthMethod" is ${method}, which needs a "clientSecret" (\`credshare login --client-secret-stdin\`)`;
  }
  if (port !== undefined && !(typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535)) return '"redirectPort" must be a port number, 1 to 65535';
  if (value.prompt !== undefined) { const problem = promptProblem(value.prompt); if (problem) return problem; }
  if (value.authorizationParameters !== undefined) { const problem = authorizationParametersProblem(value.authorizationParameters); if (problem) return problem; }
  if (endpoints === undefined) return undefined;
  if (!isObject(endpoints)) return '"endpoints" must be an object of URLs ({"token": "https://...", ...})';
  for (const [key, url] of Object.entries(endpoints)) {
    if (!(ENDPOINT_NAMES as readonly string[]).includes(key)) return `"endpoints" has an unknown key "${key}" (known: ${ENDPOINT_NAMES.join(', ')})`;
    if (typeof url !== 'string' || !URL.canParse(url)) return `"endpoints.${key}" must be a URL`;
  }
  if (Object.keys(endpoints).length > 0 && endpoints.token === undefined) return '"endpoints" must give at least "token" (the token endpoint)';
  return undefined;
}

/** The name of the profile commands use: `--profile`, else `CREDSHARE_PROFILE`, else the default. */
export function selectedProfileName(config: Config, explicit: string | undefined, env: NodeJS.ProcessEnv): string {
  return explicit || env.CREDSHARE_PROFILE || config.defaultProfile;
}

/** `credshare login` with the flag that names this profile, as an instruction for the user. */
export function loginCommand(profileName: string): string {
  return `credshare login${profileName === 'default' ? '' : ` --profile ${profileName}`}`;
}

/**
 * Picks the profile: the explicit name (`--profile`), else `CREDSHARE_PROFILE`, else
 * the configured default. An unknown name is an error that says how to create it.
 */
export function selectProfile(config: Config, paths: HomePaths, explicit?: string, env: NodeJS.ProcessEnv = process.env): Profile {
  const name = selectedProfileName(config, explicit, env);
  const profile = config.profiles[name];
  if (profile) return profile;
  const known = Object.keys(config.profiles);
  // A profile that does not exist yet is one nobody has signed in to: exit 3, like a signed-out one.
  throw new SignInRequiredError(known.length === 0
    ? `No profile "${name}" in ${paths.config}: sign in first with \`credshare login --issuer URL --client-id ID\`.`
    : `No profile "${name}" in ${paths.config} (known: ${known.join(', ')}). Use --profile, or create it with \`credshare login --profile ${name} --issuer URL --client-id ID\`.`);
}

/** Writes a profile into config.json, keeping every other field and profile as it was. */
export function saveProfile(paths: HomePaths, profile: Profile, makeDefault: boolean): void {
  ensurePrivateDir(paths.home);
  const config = loadConfig(paths);
  const raw = { ...config.raw };
  const { name, ...fields } = profile;
  const previous = { ...(isObject(config.raw.profiles) && isObject(config.raw.profiles[name]) ? config.raw.profiles[name] : {}) };
  // The profile given is the whole client: a field it no longer has (a secret of the old
  // client, its endpoints) must not survive from the file.
  for (const key of CLIENT_FIELDS) if (fields[key] === undefined) delete previous[key];
  raw.profiles = { ...(isObject(raw.profiles) ? raw.profiles : {}), [name]: { ...previous, ...fields } };
  if (makeDefault || raw.defaultProfile === undefined) raw.defaultProfile = name;
  writePrivateFileAtomic(paths.config, JSON.stringify(raw, null, 2) + '\n');
}

const CLIENT_FIELDS = ['clientSecret', 'tokenEndpointAuthMethod', 'redirectPort', 'endpoints', 'prompt', 'authorizationParameters'] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
