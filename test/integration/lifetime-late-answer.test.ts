// Issue 15.7: a token's expiry is dated from when the refresh was asked, so an answer that arrives
// late (the issuer answered at once; the answer reached credshare only later: a stalled network, a
// laptop asleep with the answer in its socket) is never handed out as valid once expired. And the
// embedded issuer's lifetime presets and its late-answer fault, seen from the wire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmbeddedIssuer, behavioursNamed } from '../../src/issuer/embedded-issuer';
import { runCli, startCli } from '../support/processes';
import { signedInHome } from '../support/issuer-home';
import { BAZEL_REQUEST } from '../../src/demo/race';

/** The provider's whole-second `exp` makes a 4 s token live 3 to 4 s; its answer is held twice that. */
const LIFETIME_S = 4;
const HELD_MS = 8_000;

async function userinfoStatus(issuerUrl: string, accessToken: string): Promise<number> {
  const metadata = await (await fetch(`${issuerUrl}/.well-known/openid-configuration`)).json() as { userinfo_endpoint: string };
  return (await fetch(metadata.userinfo_endpoint, { headers: { authorization: `Bearer ${accessToken}` } })).status;
}

test('ttl presets set expires_in; a late-answer fault issues the token at once and holds its answer back', { timeout: 30_000 }, async (t) => {
  for (const [name, seconds] of [['ttl-20', 20], ['ttl-40', 40], ['ttl-300', 300]] as const) {
    const issuer = await EmbeddedIssuer.start({ behaviours: behavioursNamed([name]) });
    t.after(() => issuer.stop());
    assert.equal((await issuer.mintSession()).expiresIn, seconds, name);
  }
  const issuer = await EmbeddedIssuer.start({ accessTokenTtlSeconds: 20 });
  t.after(() => issuer.stop());
  const { refreshToken } = await issuer.mintSession();
  issuer.setTokenEndpointFault({ kind: 'late-answer', ms: 1500 }, 1);
  const sent = Date.now();
  let issuedBeforeAnswer = false;
  const answer = fetch(`${issuer.url}/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: issuer.clientId }),
  });
  // The provider has rotated (the old refresh token is consumed) while the answer is still held.
  for (let i = 0; i < 40 && !issuedBeforeAnswer; i++) {
    await new Promise((r) => setTimeout(r, 25));
    issuedBeforeAnswer = !(await issuer.isRefreshTokenUsable(refreshToken));
  }
  const response = await answer;
  const heldMs = Date.now() - sent;
  assert.equal(response.status, 200);
  assert.ok(issuedBeforeAnswer, 'the token was issued before the answer went out');
  assert.ok(heldMs >= 1400, `the answer was held (${heldMs} ms)`);
  const stats = issuer.stats();
  assert.deepEqual([stats.refreshRequests, stats.refreshSuccesses, stats.refreshFailures], [1, 1, 0], 'a late answer is a success, not a failure');
});

test(`a refresh whose answer arrives ${HELD_MS / 1000}s late for a ${LIFETIME_S}s token: refreshed again, never handed out expired; the issuer accepts every token handed out`, { timeout: 60_000 }, async (t) => {
  const env = await signedInHome({ accessTokenTtlSeconds: LIFETIME_S, hosts: ['artifacts.example.com'] });
  t.after(() => env.close());
  env.expire();
  env.issuer.resetStats();
  env.issuer.setTokenEndpointFault({ kind: 'late-answer', ms: HELD_MS }, 1);
  // One process refreshes (its answer held); the others wait for it, through two protocols.
  const refresher = startCli(['token', '--json'], { ...env.home.env, CREDSHARE_DEBUG: '1' });
  while (env.issuer.stats().refreshRequests === 0) await new Promise((r) => setTimeout(r, 25));
  const waiters = await Promise.all([
    ...Array.from({ length: 3 }, () => runCli(['token', '--json'], env.home.env)),
    runCli(['helper', '--protocol', 'bazel', 'get'], env.home.env, BAZEL_REQUEST),
  ]);
  const first = await refresher.done;
  const handedOut = [first, ...waiters];
  assert.deepEqual(handedOut.filter((r) => r.code !== 0).map((r) => r.stderr), [], 'every process got a token');
  t.diagnostic(`the refresher's log: ${first.stderr.split('\n').filter((l) => /late|answered in/.test(l)).join(' | ')}`);
  assert.match(first.stderr, /the answer came late/);
  assert.equal(env.issuer.stats().refreshRequests, 2, 'the late answer, then one more refresh with the refresh token it brought');
  assert.equal(env.issuer.stats().reuseDetections, 0);
  const tokens = handedOut.map((r) => (r.stdout.startsWith('{"accessToken"') || r.stdout.includes('"accessToken"')
    ? JSON.parse(r.stdout).accessToken : JSON.parse(r.stdout).headers.Authorization[0].replace('Bearer ', '')) as string);
  assert.equal(new Set(tokens).size, 1, 'every process got the second refresh\'s token');
  for (const r of handedOut.filter((x) => x.stdout.includes('"expiresIn"'))) assert.ok(JSON.parse(r.stdout).expiresIn > 0);
  assert.equal(await userinfoStatus(env.issuer.url, tokens[0]!), 200, 'the issuer\'s userinfo accepts the token handed out');
  const stored = env.home.readSession()!;
  assert.equal(stored.accessToken, tokens[0]);
  assert.equal(stored.lifetimeSeconds, LIFETIME_S);
  assert.equal(await env.issuer.isRefreshTokenUsable(stored.refreshToken), true, 'the session survives');
});
