// The embedded issuer's consent and refresh-scope behaviours (issue 15, items 4 and 5), seen
// from the wire: what each one answers before any credshare process meets it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EmbeddedIssuer, authorizeInBrowser, type IssuerBehaviours } from '../../src/issuer/embedded-issuer';

async function issuerWith(t: { after(fn: () => Promise<void>): void }, behaviours: IssuerBehaviours) {
  const issuer = await EmbeddedIssuer.start({ accessTokenTtlSeconds: 300, behaviours });
  t.after(() => issuer.stop());
  return issuer;
}

function post(url: string, form: Record<string, string>) {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
}

const refresh = (issuer: EmbeddedIssuer, refreshToken: string, extra: Record<string, string> = {}) =>
  post(`${issuer.url}/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: issuer.clientId, ...extra });

async function introspect(issuer: EmbeddedIssuer, token: string): Promise<{ active: boolean; scope?: string }> {
  return (await post(`${issuer.url}/token/introspection`, { token, client_id: issuer.clientId })).json() as Promise<{ active: boolean; scope?: string }>;
}

// RFC 7636 appendix B's verifier and its S256 challenge.
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const REDIRECT = 'http://127.0.0.1:45873/callback';

/** A browser sign-in through the provider's own pages, then the code exchange: the token endpoint's answer. */
async function browserSignIn(issuer: EmbeddedIssuer, params: Record<string, string>): Promise<Record<string, unknown>> {
  const url = `${issuer.url}/auth?${new URLSearchParams({
    client_id: issuer.clientId, response_type: 'code', redirect_uri: REDIRECT, code_challenge: CHALLENGE, code_challenge_method: 'S256', state: 's'.repeat(43), ...params,
  })}`;
  const redirect = await authorizeInBrowser(url, 'alice');
  const code = redirect.searchParams.get('code');
  assert.ok(code, `the issuer redirected with a code (${redirect.search})`);
  const answer = await post(`${issuer.url}/token`, { grant_type: 'authorization_code', code, code_verifier: VERIFIER, redirect_uri: REDIRECT, client_id: issuer.clientId });
  assert.equal(answer.status, 200);
  return answer.json() as Promise<Record<string, unknown>>;
}

test('offline-consent: offline_access without prompt=consent gets no refresh token; with it, one', async (t) => {
  const issuer = await issuerWith(t, { offlineAccessNeedsConsent: true });
  const without = await browserSignIn(issuer, { scope: 'openid offline_access' });
  assert.equal(without.refresh_token, undefined);
  assert.equal(without.scope, 'openid', 'offline_access was dropped from the grant');
  const withConsent = await browserSignIn(issuer, { scope: 'openid offline_access', prompt: 'consent' });
  assert.equal(typeof withConsent.refresh_token, 'string');
  assert.equal(withConsent.scope, 'openid offline_access');
});

test('no-rotation: a refresh answer has no refresh_token, the presented one keeps working, and that is no reuse', async (t) => {
  const issuer = await issuerWith(t, { refreshWithoutRotation: true });
  const { refreshToken } = await issuer.mintSession();
  for (let i = 0; i < 2; i++) {
    const answer = await refresh(issuer, refreshToken);
    assert.equal(answer.status, 200);
    const body = await answer.json() as Record<string, unknown>;
    assert.equal(body.refresh_token, undefined);
    assert.equal(typeof body.access_token, 'string');
  }
  assert.equal(await issuer.isRefreshTokenUsable(refreshToken), true);
  assert.deepEqual([issuer.stats().refreshSuccesses, issuer.stats().reuseDetections, issuer.stats().reusesTolerated], [2, 0, 0]);
});

test('refresh-no-scope: a refresh answer has no scope; the token still carries the narrower scope asked for', async (t) => {
  const issuer = await issuerWith(t, { refreshAnswersWithoutScope: true });
  const { refreshToken } = await issuer.mintSession({ scope: 'openid offline_access email' });
  const body = await (await refresh(issuer, refreshToken, { scope: 'openid' })).json() as Record<string, unknown>;
  assert.equal('scope' in body, false);
  assert.equal((await introspect(issuer, body.access_token as string)).scope, 'openid');
});

test('ignore-refresh-scope: a refresh for a narrower scope gets the grant\'s whole scope', async (t) => {
  const issuer = await issuerWith(t, { ignoreRefreshScope: true });
  const { refreshToken } = await issuer.mintSession({ scope: 'openid offline_access email' });
  const body = await (await refresh(issuer, refreshToken, { scope: 'openid' })).json() as Record<string, unknown>;
  assert.equal(body.scope, 'openid offline_access email');
  assert.equal((await introspect(issuer, body.access_token as string)).scope, 'openid offline_access email');
  // Beyond the grant, too: the parameter never reaches the provider, so nothing is refused.
  const wider = await refresh(issuer, body.refresh_token as string, { scope: 'openid phone' });
  assert.equal(wider.status, 200);
});

test('no-rotation, with credshare: two refreshes present the same refresh token, nothing is recorded spent, no reuse', { timeout: 60_000 }, async (t) => {
  const { runCli } = await import('../support/processes');
  const { signedInWithGrant } = await import('../support/scoped-home');
  const { issuer, home } = await signedInWithGrant(t, 'openid offline_access', { refreshWithoutRotation: true });
  const before = home.readSession()!;
  issuer.resetStats();
  assert.equal((await runCli(['token'], home.env)).code, 0);
  home.expire();
  const again = await runCli(['token'], home.env);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(home.readSession()!.refreshToken, before.refreshToken, 'the refresh token is kept');
  assert.deepEqual([issuer.stats().refreshRequests, issuer.stats().refreshSuccesses, issuer.stats().reuseDetections], [2, 2, 0]);
});
