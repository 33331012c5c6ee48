import { ConfigError, SignInRequiredError } from './errors';
import type { HomePaths } from './paths';
import * as fs from 'node:fs';
import { checkHome, writePrivateFileAtomic, ensurePrivateDir } from './private-files';

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
}

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
  const previous = isObject(config.raw.profiles) && isObject(config.raw.profiles[name]) ? config.raw.profiles[name] : {};
  raw.profiles = { ...(isObject(raw.profiles) ? raw.profiles : {}), [name]: { ...previous, ...fields } };
  if (makeDefault || raw.defaultProfile === undefined) raw.defaultProfile = name;
  writePrivateFileAtomic(paths.config, JSON.stringify(raw, null, 2) + '\n');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
