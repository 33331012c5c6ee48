import type { HomePaths } from '../core/paths';
import { loadConfig, saveProfile, type Profile } from '../core/profile';
import { writePrivateFileAtomic } from '../core/private-files';

/**
 * Writes the profile of an account signed in beside the others into config.json, and
 * never changes which profile the CLI uses by default: `saveProfile` makes the profile it
 * writes the default where config.json names none (a first `credshare login`), which for
 * a second account would move every terminal and build tool over to it.
 */
export function saveAccountProfile(paths: HomePaths, profile: Profile): void {
  const before = loadConfig(paths);
  saveProfile(paths, profile, false);
  if (before.raw.defaultProfile !== undefined) return;
  const raw = { ...loadConfig(paths).raw, defaultProfile: before.defaultProfile };
  writePrivateFileAtomic(paths.config, JSON.stringify(raw, null, 2) + '\n');
}
