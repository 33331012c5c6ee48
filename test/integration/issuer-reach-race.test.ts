// Races under the issuer-reach settings: a confidential client whose endpoints come from
// config.json (Google-style secret, GitHub-style no discovery), and a refused refresh.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { runCli } from '../support/processes';
import { signedInHome } from '../support/issuer-home';
import { discoveryDocument, reachHome } from './issuer-reach-helpers';

const PROCESSES = 30;

test(`${PROCESSES} processes racing with a client secret and configured endpoints: one refresh, authenticated, no discovery`, { timeout: 120_000 }, async (t) => {
  const secret = 'race-secret-0123456789';
  const env = await reachHome({ clientSecret: secret }, { clientSecret: secret });
  t.after(() => env.close());
  const doc = await discoveryDocument(env.issuer.url);
  const config = { ...env.profile(), endpoints: { token: doc.token_endpoint, revocation: doc.revocation_endpoint } };
  fs.writeFileSync(env.home.paths.config, JSON.stringify({ defaultProfile: 'default', profiles: { default: config } }), { mode: 0o600 });
  env.home.expire();
  env.issuer.resetStats();
  const results = await Promise.all(Array.from({ length: PROCESSES }, () => runCli(['token'], env.home.env)));
  assert.deepEqual(results.filter((r) => r.code !== 0).map((r) => r.stderr), [], 'every process succeeded');
  assert.equal(new Set(results.map((r) => r.stdout)).size, 1, 'one new token for all');
  const stats = env.issuer.stats();
  t.diagnostic(`${PROCESSES} processes: ${stats.refreshRequests} refresh request(s), ${stats.refreshSuccesses} success(es), ${env.issuer.discoveryRequests()} discovery request(s)`);
  assert.deepEqual([stats.refreshRequests, stats.refreshSuccesses, stats.reuseDetections], [1, 1, 0]);
  assert.equal(env.issuer.discoveryRequests(), 0);
  assert.equal(await env.issuer.isRefreshTokenUsable(env.home.readSession()!.refreshToken), true, 'the session survives');
});

test(`${PROCESSES} processes racing on a refresh refused with a bare 400: one request, every process exits 3, nothing presented again`, { timeout: 120_000 }, async (t) => {
  const env = await signedInHome();
  t.after(() => env.close());
  env.expire();
  env.issuer.setTokenEndpointFault({ kind: 'status', status: 400, body: '' });
  const results = await Promise.all(Array.from({ length: PROCESSES }, () => runCli(['token'], env.home.env)));
  const codes = results.map((r) => r.code);
  t.diagnostic(`exit codes: ${JSON.stringify(Object.fromEntries([...new Set(codes)].map((c) => [c, codes.filter((x) => x === c).length])))}; `
    + `refresh requests ${env.issuer.stats().refreshRequests}`);
  assert.deepEqual([...new Set(codes)], [3], 'everyone is told to sign in again');
  assert.equal(env.issuer.stats().refreshRequests, 1);
  assert.equal((await runCli(['token'], env.home.env)).code, 3);
  assert.equal(env.issuer.stats().refreshRequests, 1, 'a later call sends nothing');
});
