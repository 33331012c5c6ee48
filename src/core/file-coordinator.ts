import { TokenCoordinator, type CoordinatorParts } from './coordinator';
import { FileCredentialStore } from './file-store';
import { CrossProcessLock } from './lock';
import { refreshWithIssuer } from './oauth/refresh-grant';
import type { HomePaths } from './paths';
import type { Timings } from './profile';
import { RefreshRecord } from './refresh-record';
import type { SessionWriteParts } from './session-writes';

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
