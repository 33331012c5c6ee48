import { TokenCoordinator, type CoordinatorParts } from './coordinator';
import { FileCredentialStore } from './file-store';
import { CrossProcessLock } from './lock';
import type { Refresher } from './oauth/refresh-grant';
import type { HomePaths } from './paths';
import type { Timings } from './profile';
import { RefreshRecord } from './refresh-record';
import type { SessionWriteParts } from './session-writes';

/**
 * The real refresher, loaded on first use. Most processes of a storm only wait for another's
 * refresh and never call it; they need not initialise oauth4webapi and the OAuth client (in
 * the CLI bundle a dynamic import runs that module's top-level code only when it is reached).
 */
const refreshWithIssuer: Refresher = async (...args) => (await import('./oauth/refresh-grant')).refreshWithIssuer(...args);

/** The parts over the shared `credentials.json` store: lock and refresh record live in the home. */
export function fileStoreParts(paths: HomePaths, timings: Timings): CoordinatorParts & SessionWriteParts {
  return {
    store: new FileCredentialStore(paths.credentials),
    lock: new CrossProcessLock(paths.home, timings.lockStaleMs),
    record: new RefreshRecord(paths.home),
    refresher: refreshWithIssuer,
    timings,
  };
}

/** The coordinator as the CLI and the extension's `shared` mode use it. */
export function createFileCoordinator(paths: HomePaths, timings: Timings, overrides: Partial<CoordinatorParts> = {}): TokenCoordinator {
  return new TokenCoordinator({ ...fileStoreParts(paths, timings), ...overrides });
}
