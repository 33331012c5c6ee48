import { loadConfig, loginCommand, selectProfile, type Config, type Profile } from '../core/profile';
import { resolveHome, type HomePaths } from '../core/paths';
import { FileCredentialStore } from '../core/file-store';
import { scopeKey, sessionForScopes } from '../core/scope-sets';
import { isFresh, type Session } from '../core/session';
import { SignInRequiredError } from '../core/errors';
import { formatDuration } from '../core/format';
import { writeStdout } from './stdout';
import { inSecretStorageWindow } from './window-store';

/** Everything a command needs about where it runs; built once per invocation. */
export interface CliContext {
  paths: HomePaths;
  config: Config;
  env: NodeJS.ProcessEnv;
  store: FileCredentialStore;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export function createContext(env: NodeJS.ProcessEnv = process.env): CliContext {
  const paths = resolveHome(env);
  return {
    paths,
    config: loadConfig(paths),
    env,
    store: new FileCredentialStore(paths.credentials),
    stdout: writeStdout,
    stderr: (text) => process.stderr.write(text),
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
    const refused = (await import('../core/refused-session')).sessionRefusal(context.paths, profile.name);
    if (refused) throw new SignInRequiredError(`Signed out ${formatDuration((Date.now() - refused.at) / 1000)} ago: ${refused.reason}. Sign in again: run \`${loginCommand(profile.name)}\`.`);
    throw new SignInRequiredError(`Not signed in to profile "${profile.name}" (no session in ${context.paths.credentials}). Run \`${loginCommand(profile.name)}\`.`);
  }
  // The scope set's cached token (or the grant's, where it serves that set).
  const view = sessionForScopes(stored, scopeKey(scopes), profile.scopes);
  if (view && isFresh(view, tolerance)) return view;
  if (context.env.CREDSHARE_UNSAFE_NO_COORDINATION === '1') return refreshWithoutCoordination(context, profile, minValiditySeconds);
  const { createFileCoordinator } = await import('../core/file-coordinator');
  const { testOverrides } = await import('./test-hooks');
  const overrides = { log: debugLog(context), ...testOverrides(context.env, context.paths.credentials) };
  return createFileCoordinator(context.paths, context.config.timings, overrides).getSession({ profile, minValiditySeconds, scopes });
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
