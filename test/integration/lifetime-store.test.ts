// The lifetime beside each token in credentials.json (issue 15.1) is an extension of format
// version 1: an older credshare that rewrites the file keeps it, as it keeps every field it does
// not know, and the newer credshare goes on capping its margin by it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot, run, runCli } from '../support/processes';
import { signedInHome } from '../support/issuer-home';

/** The commit before lifetimes were stored. */
const BEFORE_LIFETIMES = '60f36d3';

test('an older credshare refreshing and rewriting credentials.json keeps lifetimeSeconds; the newer one still caps its margin by it', { timeout: 120_000 }, async (t) => {
  // 300 s tokens under a 300 s tolerance: only the stored lifetime keeps a new token fresh.
  const env = await signedInHome({ accessTokenTtlSeconds: 300, toleranceSeconds: 300 });
  t.after(() => env.close());
  assert.equal(env.home.readSession()!.lifetimeSeconds, 300);

  // The real older CLI: src/ at that commit, bundled like dist/cli.js (as scope-sets.test.ts does).
  const old = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-old-'));
  t.after(() => fs.rmSync(old, { recursive: true, force: true }));
  execFileSync('sh', ['-c', `git -C "${repoRoot}" archive ${BEFORE_LIFETIMES} src package.json | tar -x -C "${old}"`]);
  execFileSync(path.join(repoRoot, 'node_modules', '.bin', 'esbuild'), [path.join(old, 'src/cli/index.ts'), '--bundle', '--platform=node', '--format=cjs',
    `--outfile=${path.join(old, 'cli.js')}`, '--define:CREDSHARE_VERSION="old"', '--log-level=error',
    `--alias:oauth4webapi=${path.join(repoRoot, 'node_modules/oauth4webapi')}`, `--alias:proper-lockfile=${path.join(repoRoot, 'node_modules/proper-lockfile')}`]);

  env.expire();
  env.issuer.resetStats();
  const older = await run(process.execPath, [path.join(old, 'cli.js'), 'token'], { env: env.home.env });
  assert.equal(older.code, 0, older.stderr);
  assert.equal(env.issuer.stats().refreshRequests, 1, 'the older credshare refreshed and rewrote the file');
  const after = env.home.readSession()!;
  assert.equal(after.accessToken, older.stdout.trim());
  assert.equal(after.lifetimeSeconds, 300, 'the field it does not know was kept');

  // The token it stored has ~300 s left: under the bare tolerance (300 s) it would be stale
  // already; capped by half the kept lifetime (150 s) it is fresh, and nothing is refreshed.
  const newer = await runCli(['token'], env.home.env);
  assert.equal(newer.stdout.trim(), after.accessToken);
  assert.equal(env.issuer.stats().refreshRequests, 1);
});
