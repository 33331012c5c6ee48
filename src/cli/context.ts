import { loadConfig, loginCommand, selectProfile, type Config, type Profile, type Timings } from '../core/profile';
import { resolveHome, type HomePaths } from '../core/paths';
import { FileCredentialStore } from '../core/file-store';
import type { CoordinatorParts, SessionRequest } from '../core/coordinator-parts';
import { scopeKey, sessionForScopes } from '../core/scope-sets';
import { isFresh, type Session } from '../core/session';
import { SignInRequiredError } from '../core/errors';
import type { CliIo } from './io';
import { inSecretStorageWindow } from './window-store';

/** Everything a command needs about where it runs; built once per invocation. */
export interface CliContext {
  paths: HomePaths;
  config: Config;
  env: NodeJS.ProcessEnv;
  io: CliIo;
  store: FileCredentialStore;
  home: HomeAccess;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** The part of the coordinator a command uses. */
export interface SessionSource {
  getSession(request: SessionRequest): Promise<Session>;
}

/**
 * How a command reaches its home. A `credshare` process reads config.json and
 * credentials.json once and builds a coordinator when a refresh is needed
 * ({@link directHomeAccess}); the agent, which answers many requests for one home, keeps
 * what it read while the files stay unchanged and one coordinator for all its requests,
 * so that they share one refresh (src/agent/home-state.ts). The answers are the same.
 */
export interface HomeAccess {
  config(paths: HomePaths): Config;
  store(paths: HomePaths): FileCredentialStore;
  /** `overrides` are the debug log and the fault suite's hooks; empty in real use. */
  coordinator(paths: HomePaths, timings: Timings, overrides: Partial<CoordinatorParts>): Promise<SessionSource>;
}

export const directHomeAccess: HomeAccess = {
  config: loadConfig,
  store: (paths) => new FileCredentialStore(paths.credentials),
  // Loaded only when a token is stale: a fresh-token call pays for neither proper-lockfile nor oauth4webapi.
  coordinator: async (paths, timings, overrides) => (await import('../core/file-coordinator')).createFileCoordinator(paths, timings, overrides),
};

export function createContext(io: CliIo, home: HomeAccess = directHomeAccess): CliContext {
  const paths = resolveHome(io.env, io.cwd);
  return {
    paths,
    config: home.config(paths),
    env: io.env,
    io,
    store: home.store(paths),
    home,
    stdout: io.stdout,
    stderr: io.stderr,
  };
}

export function profileFor(context: CliContext, explicit?: string): Profile {
  return selectProfile(context.config, context.paths, explicit, context.env);
}

/**
 * The hot path of every `token` and helper call: read the store without the lock and
 * answer if the token is fresh. Only a stale token loads the coordinator (and with it
 * proper-lockfile and oauth4webapi), so a fresh-token call pays for neither.
 */
export async function freshSession(context: CliContext, profile: Profile, minValiditySeconds?: number, scopes?: string[]): Promise<Session> {
  // A terminal of a VS Code window that keeps its tokens in SecretStorage: ask that window.
  if (inSecretStorageWindow(context.env)) return (await import('./ipc-client')).sessionOverIpc(context.env, profile.name, minValiditySeconds, scopes);
  const tolerance = minValiditySeconds ?? profile.refreshToleranceSeconds;
  const stored = await context.store.read(profile.name);
  if (!stored) {
    // The issuer refused the session (refresh-state.json says so): say that, with its words.
    const { sessionRefusal, signedOutSentence } = await import('../core/refused-session');
    const refused = sessionRefusal(context.paths, profile.name);
    if (refused) throw new SignInRequiredError(signedOutSentence(profile.name, refused));
    throw new SignInRequiredError(`Not signed in to profile "${profile.name}" (no session in ${context.paths.credentials}). Run \`${loginCommand(profile.name)}\`.`);
  }
  // The scope set's cached token (or the grant's, where it serves that set).
  const view = sessionForScopes(stored, scopeKey(scopes), profile.scopes);
  if (view && isFresh(view, tolerance)) return view;
  if (context.env.CREDSHARE_UNSAFE_NO_COORDINATION === '1') return refreshWithoutCoordination(context, profile, minValiditySeconds);
  const { testOverrides } = await import('./test-hooks');
  const log = debugLog(context);
  const overrides = { ...(log ? { log } : {}), ...testOverrides(context.env, context.paths.credentials, context.stderr) };
  const coordinator = await context.home.coordinator(context.paths, context.config.timings, overrides);
  return coordinator.getSession({ profile, minValiditySeconds, scopes });
}

/**
 * `CREDSHARE_UNSAFE_NO_COORDINATION=1`, for demonstrations only (`npm start`, `npm run bench`):
 * the same CLI with the coordinator swapped for one that refreshes unguarded, to show the
 * race credshare exists to prevent. Never set it for real use: the issuer revokes the session.
 */
async function refreshWithoutCoordination(context: CliContext, profile: Profile, minValiditySeconds?: number): Promise<Session> {
  context.stderr('credshare: CREDSHARE_UNSAFE_NO_COORDINATION=1: refreshing WITHOUT coordination (demo only; expect to be signed out)\n');
  const { fileStoreParts } = await import('../core/file-coordinator');
  const { UnsafeUncoordinatedRefresh } = await import('../core/unsafe-no-coordination');
  return new UnsafeUncoordinatedRefresh(fileStoreParts(context.paths, context.config.timings)).getSession({ profile, minValiditySeconds });
}

/** `CREDSHARE_DEBUG=1` traces the refresh path on stderr. The coordinator logs fingerprints, never tokens. */
function debugLog(context: CliContext): ((message: string) => void) | undefined {
  if (!context.env.CREDSHARE_DEBUG) return undefined;
  return (message) => context.stderr(`credshare[${process.pid}]: ${message}\n`);
}
