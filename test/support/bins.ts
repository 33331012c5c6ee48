import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from './processes';

/** The three programs `npm install -g` puts on PATH, and the built files they are. */
export const BINS = {
  credshare: 'cli.js',
  'credshare-bazel': 'credshare-bazel.js',
  'docker-credential-credshare': 'docker-credential-credshare.js',
} as const;

/**
 * A temp directory with symlinks named `credshare`, `credshare-bazel` and
 * `docker-credential-credshare` to the built dist files, laid out as `npm install -g`
 * lays out its bin directory: put it first on PATH to run the real tools against them.
 * Needs `npm run build` first. The caller removes it (fs.rmSync(dir, { recursive: true })).
 */
export function makeBinDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-bin-'));
  for (const [name, file] of Object.entries(BINS)) {
    const target = path.join(repoRoot, 'dist', file);
    if (!fs.existsSync(target)) throw new Error(`${target} is missing: run \`npm run build\` first.`);
    fs.symlinkSync(target, path.join(dir, name));
  }
  return dir;
}
