import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EmbeddedIssuer } from '../../src/issuer/embedded-issuer';
import type { Session } from '../../src/core/session';
import { makeHome, type TestHome } from '../support/home';
import { repoRoot, run, runCli } from '../support/processes';

const GRANT_SCOPE = 'openid offline_access profile email';
const SET_A = 'openid profile';
const SET_B = 'email openid';

/** A real oidc-provider and a home signed in to it with a grant for GRANT_SCOPE, access token expired. */
async function setup(t: { after(fn: () => Promise<void> | void): void }): Promise<{ issuer: EmbeddedIssuer; home: TestHome }> {
  const issuer = await EmbeddedIssuer.start({ accessTokenTtlSeconds: 3600 });
  const home = makeHome({ issuer: issuer.url, clientId: issuer.clientId });
  t.after(async () => { await issuer.stop(); home.remove(); });
  const minted = await issuer.mintSession({ accountId: 'alice', scope: GRANT_SCOPE });
  home.writeSession({
    accessToken: minted.accessToken,
    refreshToken: minted.refreshToken,
    expiresAt: Date.now() - 1000,
    scope: minted.scope,
    ...(minted.idToken ? { idToken: minted.idToken } : {}),
    account: { id: 'alice', label: 'alice@example.test' },
  });
  return { issuer, home };
}

/** What the issuer itself says a token carries: its introspection endpoint (RFC 7662). */
async function introspect(issuer: EmbeddedIssuer, token: string): Promise<{ active: boolean; scope?: string }> {
  const response = await fetch(`${issuer.url}/token/introspection`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, client_id: issuer.clientId }),
  });
  assert.equal(response.status, 200, `introspection answered HTTP ${response.status}: ${await response.clone().text()}`);
  return response.json() as Promise<{ active: boolean; scope?: string }>;
}

const sortedWords = (scope: string | undefined) => (scope ?? '').split(' ').filter(Boolean).sort().join(' ');

test('racing CLI processes asking for two scope sets on an expired grant: two refresh requests, each token carries exactly its scopes at the issuer', { timeout: 120_000 }, async (t) => {
  const { issuer, home } = await setup(t);
  const before = home.readSession()!;
  const N = 24;
  issuer.resetStats();
  // Written in different orders and forms on purpose: the cache key is the normalised set.
  const args = (i: number) => (i % 2 === 0 ? ['token', '--json', '--scope', 'profile openid'] : ['token', '--json', '--scope', 'openid', '--scope', 'email', '--scope', 'openid']);
  const results = await Promise.all(Array.from({ length: N }, (_, i) => runCli(args(i), home.env)));
  assert.deepEqual(results.filter((r) => r.code !== 0).map((r) => r.stderr), [], 'every process succeeded');
  const answers = results.map((r) => JSON.parse(r.stdout) as { accessToken: string; scope: string });
  const tokenA = new Set(answers.filter((_, i) => i % 2 === 0).map((a) => a.accessToken));
  const tokenB = new Set(answers.filter((_, i) => i % 2 === 1).map((a) => a.accessToken));
  const stats = issuer.stats();
  t.diagnostic(`${N} processes, 2 scope sets: ${stats.refreshRequests} refresh request(s) at the issuer, ${stats.reuseDetections} reuse detection(s)`);
  assert.ok(stats.refreshRequests <= 2, `at most one refresh request per scope set (got ${stats.refreshRequests})`);
  assert.equal(stats.refreshSuccesses, 2);
  assert.equal(stats.reuseDetections, 0);
  assert.equal(tokenA.size, 1, 'every process asking for set A got the same token');
  assert.equal(tokenB.size, 1, 'every process asking for set B got the same token');
  const [a] = tokenA;
  const [b] = tokenB;
  assert.notEqual(a, b);
  const atIssuerA = await introspect(issuer, a!);
  const atIssuerB = await introspect(issuer, b!);
  assert.equal(atIssuerA.active, true);
  assert.equal(atIssuerB.active, true);
  assert.equal(sortedWords(atIssuerA.scope), SET_A, 'set A\'s token carries exactly openid profile at the issuer');
  assert.equal(sortedWords(atIssuerB.scope), SET_B, 'set B\'s token carries exactly email openid at the issuer');
  assert.equal(answers[0]!.scope.split(' ').sort().join(' '), SET_A, '--json reports the real scope');

  const stored = home.readSession()!;
  assert.deepEqual(Object.keys(stored.tokens ?? {}).sort(), [SET_B, SET_A].sort(), 'cached per normalised scope set');
  assert.equal(stored.accessToken, before.accessToken, 'the grant\'s own access token was not refreshed (nobody asked for it)');
  assert.notEqual(stored.refreshToken, before.refreshToken, 'each refresh rotated the grant\'s refresh token');
  assert.equal(await issuer.isRefreshTokenUsable(stored.refreshToken), true, 'the grant is alive');
  assert.equal(await issuer.isRefreshTokenUsable(before.refreshToken), false);

  // Fresh now: more processes cost no request.
  issuer.resetStats();
  const again = await Promise.all(Array.from({ length: 6 }, (_, i) => runCli(args(i), home.env)));
  assert.deepEqual(again.map((r) => r.code), [0, 0, 0, 0, 0, 0]);
  assert.equal(issuer.stats().refreshRequests, 0, 'cached tokens are served without a request');
  assert.equal(JSON.parse(again[0]!.stdout).accessToken, a);

  // The grant's own set refreshes the grant; the sets' tokens stay valid and cached.
  const grant = await runCli(['token', '--json', '--scope', GRANT_SCOPE], home.env);
  assert.equal(grant.code, 0, grant.stderr);
  assert.equal(issuer.stats().refreshRequests, 1, 'the grant\'s own scope set uses the grant\'s token: one plain refresh');
  const afterGrant = home.readSession()!;
  assert.equal(JSON.parse(grant.stdout).accessToken, afterGrant.accessToken);
  assert.equal(sortedWords((await introspect(issuer, afterGrant.accessToken)).scope), sortedWords(GRANT_SCOPE));
  assert.equal(afterGrant.tokens?.[SET_A]?.accessToken, a, 'the other sets\' tokens stay cached');
  assert.equal((await introspect(issuer, a!)).active, true, 'and stay valid after the rotation');
});

test('an older credshare (the one before scope sets) rewriting credentials.json keeps the tokens field', { timeout: 120_000 }, async (t) => {
  const { issuer, home } = await setup(t);
  const first = await runCli(['token', '--scope', SET_A], home.env);
  assert.equal(first.code, 0, first.stderr);
  const cached = home.readSession()!.tokens;
  assert.ok(cached?.[SET_A], 'the new credshare cached set A');

  // The real older CLI: src/ as of the commit before scope sets existed, bundled like dist/cli.js.
  const old = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-old-'));
  t.after(() => fs.rmSync(old, { recursive: true, force: true }));
  execFileSync('sh', ['-c', `git -C "${repoRoot}" archive 5e1f00f src package.json | tar -x -C "${old}"`]);
  const esbuild = path.join(repoRoot, 'node_modules', '.bin', 'esbuild');
  execFileSync(esbuild, [path.join(old, 'src/cli/index.ts'), '--bundle', '--platform=node', '--format=cjs', `--outfile=${path.join(old, 'cli.js')}`,
    '--define:CREDSHARE_VERSION="old"', '--log-level=error', `--alias:oauth4webapi=${path.join(repoRoot, 'node_modules/oauth4webapi')}`,
    `--alias:proper-lockfile=${path.join(repoRoot, 'node_modules/proper-lockfile')}`]);
  home.expire();
  issuer.resetStats();
  const older = await run(process.execPath, [path.join(old, 'cli.js'), 'token'], { env: home.env });
  assert.equal(older.code, 0, older.stderr);
  assert.equal(issuer.stats().refreshRequests, 1, 'the older credshare refreshed the grant (and rewrote the file)');
  const after = home.readSession()!;
  assert.equal(after.accessToken, older.stdout.trim());
  assert.deepEqual(after.tokens, cached, 'the older credshare kept the tokens field as it was');
  // And the new credshare still serves set A from it, with no request.
  const again = await runCli(['token', '--scope', SET_A], home.env);
  assert.equal(again.stdout.trim(), cached![SET_A]!.accessToken);
  assert.equal(issuer.stats().refreshRequests, 1);
});

test('an issuer that refuses a narrower scope on refresh: the grant\'s token with its real scopes, and doctor says so', { timeout: 60_000 }, async (t) => {
  const { issuer, home } = await setup(t);
  // The embedded issuer narrows; an issuer that does not is simulated with the issuer's own
  // fault injection answering the one scoped refresh with invalid_scope (RFC 6749 §5.2),
  // which is what such issuers answer. The plain refresh that follows reaches the real provider.
  issuer.setTokenEndpointFault({ kind: 'status', status: 400, body: JSON.stringify({ error: 'invalid_scope', error_description: 'scope not allowed on refresh' }) }, 1);
  issuer.resetStats();
  const result = await runCli(['token', '--json', '--scope', SET_A], home.env);
  assert.equal(result.code, 0, result.stderr);
  const answer = JSON.parse(result.stdout) as { accessToken: string; scope: string };
  const stored = home.readSession()!;
  assert.equal(answer.accessToken, stored.accessToken, 'the grant\'s token was handed out');
  assert.equal(sortedWords(answer.scope), sortedWords(GRANT_SCOPE), 'with its real scopes');
  assert.equal(sortedWords((await introspect(issuer, answer.accessToken)).scope), sortedWords(GRANT_SCOPE));
  assert.equal(issuer.stats().refreshRequests, 2, 'the refused scoped request, then one plain refresh');
  assert.equal(stored.scopeNarrowing?.supported, false);

  // Remembered: the next set goes straight to the grant's (fresh) token, no request.
  issuer.resetStats();
  const other = await runCli(['token', '--scope', SET_B], home.env);
  assert.equal(other.stdout.trim(), stored.accessToken);
  assert.equal(issuer.stats().refreshRequests, 0);

  const doctor = await runCli(['doctor'], home.env);
  assert.match(doctor.stdout, /Scope sets\s+.*cannot narrow a refresh's scope .*invalid_scope.*every scope set gets the sign-in's token/);
});

test('a scope the grant lacks: exit 3 naming the sign-in for the union, and the issuer is never asked for it', { timeout: 60_000 }, async (t) => {
  const { issuer, home } = await setup(t);
  issuer.resetStats();
  const first = await runCli(['token', '--scope', 'openid phone'], home.env);
  assert.equal(first.code, 3, first.stderr);
  assert.match(first.stderr, /not signed in for scope "openid phone".*credshare login --scope "[^"]*phone[^"]*"/);
  // RFC 6749 §6: a refresh may not add a scope, so none is sent (before issue 15.5 one was, and the issuer had to refuse it).
  assert.equal(issuer.stats().refreshRequests, 0);
  const second = await runCli(['token', '--scope', 'phone', '--scope', 'openid'], home.env);
  assert.equal(second.code, 3);
  assert.equal(issuer.stats().refreshRequests, 0);
  const session = home.readSession() as Session;
  assert.equal(await issuer.isRefreshTokenUsable(session.refreshToken), true, 'the session is untouched');
});

test('a fresh scope set\'s token is served on the light path: no coordinator, proper-lockfile or oauth4webapi initialised', { timeout: 60_000 }, async (t) => {
  const home = makeHome();
  const coverage = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-cov-'));
  t.after(() => { home.remove(); fs.rmSync(coverage, { recursive: true, force: true }); });
  const fresh = Date.now() + 3_600_000;
  home.writeSession({
    accessToken: 'grant-token', refreshToken: 'rt', expiresAt: fresh, scope: 'openid offline_access profile', account: { id: 'a', label: 'a' },
    tokens: { profile: { accessToken: 'narrow-token', expiresAt: fresh, scope: 'profile' } },
  });
  // V8's own coverage of the bundle says which lazily initialised modules (esbuild __esm) ran.
  const result = await runCli(['token', '--scope', 'profile'], { ...home.env, NODE_V8_COVERAGE: coverage });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim(), 'narrow-token');
  const ran = new Map<string, number>();
  for (const file of fs.readdirSync(coverage)) {
    const { result: scripts } = JSON.parse(fs.readFileSync(path.join(coverage, file), 'utf8')) as { result: { url: string; functions: { functionName: string; ranges: { count: number }[] }[] }[] };
    for (const script of scripts.filter((s) => s.url.endsWith('dist/cli.js'))) {
      for (const fn of script.functions) ran.set(fn.functionName, (ran.get(fn.functionName) ?? 0) + fn.ranges[0]!.count);
    }
  }
  assert.equal(ran.get('src/core/scope-sets.ts'), 1, 'the coverage names the bundle\'s modules (else this test proves nothing)');
  for (const module of ['src/core/coordinator.ts', 'node_modules/proper-lockfile/index.js', 'node_modules/oauth4webapi/build/index.js']) {
    assert.equal(ran.get(module), 0, `${module} was not initialised`);
  }
});
