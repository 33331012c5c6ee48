// Where the e2e pieces live. The heavy, machine-wide pieces (Node 24, code-server) are in a
// cache outside the repo, prepared by test/e2e/setup.sh; this module only resolves them.
import { existsSync } from 'node:fs';
import path from 'node:path';

export const e2eDir = path.resolve(import.meta.dirname, '..');
export const repoRoot = path.resolve(e2eDir, '../..');
export const fixturesDir = path.join(e2eDir, 'fixtures');
/** Screenshots, copied logs: ignored by git (test-results/ is in .gitignore). */
export const resultsDir = path.join(repoRoot, 'test-results', 'e2e');

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_MAJOR = 24;

export interface E2eToolPaths {
  cache: string;
  /** Node 24: runs code-server and therefore every extension host, the pty host, watchers. */
  node: string;
  /** The code-server package directory (out/node/entry.js, lib/vscode/...). */
  codeServer: string;
  chromium: string;
}

export function toolPaths(): E2eToolPaths {
  const cache = process.env.CREDSHARE_E2E_CACHE || path.join(process.env.HOME || '/root', '.cache', 'credshare-e2e');
  return {
    cache,
    node: path.join(cache, `node-${NODE_MAJOR}`, 'bin', 'node'),
    codeServer: path.join(cache, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', 'code-server'),
    chromium: process.env.CREDSHARE_E2E_CHROMIUM || '/usr/bin/chromium',
  };
}

/** Throws with the command to run when setup.sh has not been run (or did not finish). */
export function requireTools(): E2eToolPaths {
  const p = toolPaths();
  const missing = [
    [p.node, 'Node 24'],
    [path.join(p.codeServer, '..', '..', '.complete'), 'code-server'],
    [p.chromium, 'chromium'],
  ].filter(([f]) => !existsSync(f!));
  if (missing.length) {
    throw new Error(
      `e2e tools missing (${missing.map(([, what]) => what).join(', ')}): run \`bash test/e2e/setup.sh\` first ` +
        `(cache: ${p.cache}; set CREDSHARE_E2E_CACHE to move it)`,
    );
  }
  return p;
}
