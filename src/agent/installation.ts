import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUILD_ID } from '../cli/version';

/**
 * Whether the credshare this agent was started from has changed on disk since: the
 * `build-id` beside its bundle (dist/build-id, written by `npm run build` and shipped with
 * it) names another build, or is gone (an upgrade, a reinstall, a removal). An agent run
 * from source (`dev`) never thinks so.
 */
export function installationChanged(): boolean {
  if (BUILD_ID === 'dev') return false;
  return installationChanged.current() !== BUILD_ID;
}

/** The build id installed beside this bundle now, or undefined when there is none. */
installationChanged.current = (): string | undefined => {
  try {
    return fs.readFileSync(path.join(path.dirname(__filename), 'build-id'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
};
