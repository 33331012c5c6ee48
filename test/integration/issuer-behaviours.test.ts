// The embedded issuer's switchable behaviours, seen from the wire: what each one answers,
// before any credshare process meets it (that is issuer-behaviours-*.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmbeddedIssuer, authorizeInBrowser, type IssuerBehaviours } from '../../src/issuer/embedded-issuer';
import { startIssuerProcess } from '../../src/issuer/issuer-process';
import { basicAuthorization } from '../../src/issuer/session-mint';

async function issuerWith(t: { after(fn: () => Promise<void>): void }, behaviours: IssuerBehaviours, redirectUris?: string[]) {
  const issuer = await EmbeddedIssuer.start({ accessTokenTtlSeconds: 300, behaviours, ...(redirectUris ? { redirectUris } : {}) });
  t.after(() => issuer.stop());
  return issuer;
}

function post(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form) });
}

const refresh = (issuer: EmbeddedIssuer, refreshToken: string, extra: Record<string, string> = {}, headers: Record<string, string> = {}) =>
  post(`${issuer.url}/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: issuer.clientId, ...extra }, headers);

test('default: reuse of a rotated refresh token revokes the grant; discovery names no revocation auth methods, as before', async (t) => {
  const issuer = await issuerWith(t, {});
  const metadata = await (await fetch(`${issuer.url}/.well-known/openid-configuration`)).json() as Record<string, string[]>;
  assert.equal(metadata.revocation_endpoint_auth_methods_supported, undefined);
  const { refreshToken } = await issuer.mintSession();
  const rotated = await (await refresh(issuer, refreshToken)).json() as { refresh_token: string };
  const reused = await refresh(issuer, refreshToken);
  assert.equal(reused.status, 400);
  assert.equal((await reused.json() as { error: string }).error, 'invalid_grant');
  assert.equal(await issuer.isRefreshTokenUsable(rotated.refresh_token), false, 'the whole grant is gone');
  assert.deepEqual([issuer.stats().reuseDetections, issuer.stats().reusesTolerated, issuer.stats().discoveryRequests], [1, 0, 1]);
});

test('bare-400: a refused refresh is HTTP 400 with an empty body, and reuse still revokes', async (t) => {
  const issuer = await issuerWith(t, { bareRefreshRefusals: true });
  const { refreshToken } = await issuer.mintSession();
  const rotated = await (await refresh(issuer, refreshToken)).json() as { refresh_token: string };
  const reused = await refresh(issuer, refreshToken);
  assert.equal(reused.status, 400);
  assert.equal(await reused.text(), '');
  assert.equal(reused.headers.get('content-type'), null);
  assert.equal(await issuer.isRefreshTokenUsable(rotated.refresh_token), false);
});

test('errors-200: a refused refresh is HTTP 200 with the OAuth error in the body, as GitHub answers', async (t) => {
  const issuer = await issuerWith(t, { refusalsWithStatus200: true });
  const { refreshToken } = await issuer.mintSession();
  assert.equal((await refresh(issuer, refreshToken)).status, 200);
  const reused = await refresh(issuer, refreshToken);
  assert.equal(reused.status, 200);
  assert.equal((await reused.json() as { error: string }).error, 'invalid_grant');
  assert.deepEqual([issuer.stats().refreshSuccesses, issuer.stats().refreshFailures, issuer.stats().reuseDetections], [1, 1, 1], 'counted as the refusal it is');
});

test('revocation-auth: metadata without none; a public client gets 401 and the token stays valid', async (t) => {
  const issuer = await issuerWith(t, { revocationRequiresClientAuth: true });
  const metadata = await (await fetch(`${issuer.url}/.well-known/openid-configuration`)).json() as Record<string, string[]>;
  assert.deepEqual(metadata.revocation_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post']);
  const { refreshToken } = await issuer.mintSession();
  const revoked = await post(`${issuer.url}/token/revocation`, { token: refreshToken, client_id: issuer.clientId });
  assert.equal(revoked.status, 401);
  assert.equal((await revoked.json() as { error: string }).error, 'invalid_client');
  assert.equal(await issuer.isRefreshTokenUsable(refreshToken), true);
  assert.equal((await refresh(issuer, refreshToken)).status, 200, 'the token endpoint still takes the public client');
});

test('no-discovery: 404 on both discovery documents; the endpoints still work', async (t) => {
  const issuer = await issuerWith(t, { noDiscovery: true });
  assert.equal((await fetch(`${issuer.url}/.well-known/openid-configuration`)).status, 404);
  assert.equal((await fetch(`${issuer.url}/.well-known/oauth-authorization-server`)).status, 404);
  assert.equal(issuer.stats().discoveryRequests, 2);
  const { refreshToken } = await issuer.mintSession();
  assert.equal((await refresh(issuer, refreshToken)).status, 200);
});

test('client-secret-post: only the secret in the form is accepted, at every client endpoint', async (t) => {
  const issuer = await issuerWith(t, { clientSecretMethods: ['client_secret_post'] });
  const secret = issuer.clientSecret!;
  assert.ok(secret.length >= 32);
  const metadata = await (await fetch(`${issuer.url}/.well-known/openid-configuration`)).json() as Record<string, string[]>;
  assert.deepEqual(metadata.token_endpoint_auth_methods_supported, ['client_secret_post']);
  assert.deepEqual(metadata.revocation_endpoint_auth_methods_supported, ['client_secret_post']);
  const { refreshToken } = await issuer.mintSession();
  assert.equal((await refresh(issuer, refreshToken)).status, 401, 'no secret');
  assert.equal((await refresh(issuer, refreshToken, { client_secret: 'wrong' })).status, 401, 'a wrong secret');
  assert.equal((await refresh(issuer, refreshToken, {}, { authorization: basicAuthorization(issuer.clientId, secret) })).status, 401, 'basic is not accepted');
  assert.equal((await post(`${issuer.url}/device/auth`, { client_id: issuer.clientId, scope: 'openid' })).status, 401);
  const rotated = await refresh(issuer, refreshToken, { client_secret: secret });
  assert.equal(rotated.status, 200);
  const { refresh_token: next } = await rotated.json() as { refresh_token: string };
  assert.equal((await post(`${issuer.url}/token/revocation`, { token: next, client_id: issuer.clientId })).status, 401);
  assert.equal((await post(`${issuer.url}/token/revocation`, { token: next, client_id: issuer.clientId, client_secret: secret })).status, 200);
  assert.equal(await issuer.isRefreshTokenUsable(next), false);
  assert.equal(issuer.stats().refreshRequests, 4, 'refused refreshes count as requests too');
});

test('reuse leeway: the rotated token works again within N s without revoking, and is reuse after', async (t) => {
  const issuer = await issuerWith(t, { reuseLeewaySeconds: 2 });
  const { refreshToken } = await issuer.mintSession();
  const first = await (await refresh(issuer, refreshToken)).json() as { refresh_token: string };
  const again = await refresh(issuer, refreshToken);
  assert.equal(again.status, 200, 'within the leeway');
  const second = await again.json() as { refresh_token: string };
  assert.equal(await issuer.isRefreshTokenUsable(first.refresh_token), true, 'the first rotation\'s token still works');
  assert.equal(await issuer.isRefreshTokenUsable(second.refresh_token), true);
  await sleep(2500);
  const late = await refresh(issuer, refreshToken);
  assert.equal(late.status, 400, 'after the leeway it is reuse');
  assert.equal(await issuer.isRefreshTokenUsable(first.refresh_token), false, 'and the grant is revoked');
  assert.deepEqual([issuer.stats().reusesTolerated, issuer.stats().reuseDetections], [1, 1]);
});

test('non-revoking rotation: every earlier refresh token keeps working', async (t) => {
  const issuer = await issuerWith(t, { keepRotatedRefreshTokens: true });
  const { refreshToken } = await issuer.mintSession();
  const first = await (await refresh(issuer, refreshToken)).json() as { refresh_token: string };
  assert.notEqual(first.refresh_token, refreshToken, 'it does rotate');
  assert.equal(await issuer.isRefreshTokenUsable(refreshToken), true);
  assert.equal((await refresh(issuer, refreshToken)).status, 200);
  assert.equal((await refresh(issuer, first.refresh_token)).status, 200);
  assert.deepEqual([issuer.stats().reusesTolerated, issuer.stats().reuseDetections], [1, 0]);
});

test('exact redirect: only the registered port is accepted', async (t) => {
  const registered = 'http://127.0.0.1:45871/callback';
  const issuer = await issuerWith(t, { exactRedirectUris: true }, [registered]);
  const authorize = (redirectUri: string) => `${issuer.url}/auth?${new URLSearchParams({
    client_id: issuer.clientId, response_type: 'code', scope: 'openid', redirect_uri: redirectUri,
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', state: 'x'.repeat(43),
  })}`;
  const redirect = await authorizeInBrowser(authorize(registered), 'ann');
  assert.equal(`${redirect.origin}${redirect.pathname}`, registered);
  const other = await fetch(authorize('http://127.0.0.1:45872/callback'), { redirect: 'manual' });
  assert.equal(other.status, 400);
  assert.match(await other.text(), /redirect_uri/);
});

test('the issuer process takes behaviours by name and hands out the client secret over its admin endpoint', { timeout: 60_000 }, async (t) => {
  const issuer = await startIssuerProcess({ accessTokenTtlSeconds: 60, behaviours: ['no-discovery', 'client-secret'], reuseLeewaySeconds: 5 });
  t.after(() => issuer.stop());
  assert.equal((await fetch(`${issuer.url}/.well-known/openid-configuration`)).status, 404);
  assert.ok(issuer.clientSecret);
  const { refreshToken } = await issuer.mint();
  const body = { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: issuer.clientId };
  assert.equal((await post(`${issuer.url}/token`, body)).status, 401);
  assert.equal((await post(`${issuer.url}/token`, body, { authorization: basicAuthorization(issuer.clientId, issuer.clientSecret!) })).status, 200);
  assert.equal((await post(`${issuer.url}/token`, body, { authorization: basicAuthorization(issuer.clientId, issuer.clientSecret!) })).status, 200, 'within the 5 s leeway');
  assert.equal(await issuer.revokeGrant(refreshToken), true);
  assert.equal((await issuer.stats()).reusesTolerated, 1);
});

for (const [error, status] of [['invalid_request', 400], ['unauthorized_client', 400], ['invalid_client', 401]] as const) {
  test(`refreshRefusalError ${error}: a dead refresh token is answered HTTP ${status} {"error":"${error}"} (LemonLDAP::NG's shape), and reuse still revokes`, async (t) => {
    const issuer = await issuerWith(t, { refreshRefusalError: error });
    const { refreshToken } = await issuer.mintSession();
    const rotated = await (await refresh(issuer, refreshToken)).json() as { refresh_token: string };
    const reused = await refresh(issuer, refreshToken);
    assert.equal(reused.status, status);
    assert.deepEqual(await reused.json(), { error });
    assert.equal(await issuer.isRefreshTokenUsable(rotated.refresh_token), false);
  });
}

test('retireClientSecret: the old secret is refused as LemonLDAP::NG refuses a wrong one (Basic: 401 WWW-Authenticate: Basic; body: 400), the token untouched', async (t) => {
  const issuer = await issuerWith(t, { clientSecretMethods: ['client_secret_basic', 'client_secret_post'] });
  const { refreshToken } = await issuer.mintSession();
  issuer.retireClientSecret();
  const basic = await refresh(issuer, refreshToken, {}, { authorization: basicAuthorization(issuer.clientId, issuer.clientSecret!) });
  assert.equal(basic.status, 401);
  assert.equal(basic.headers.get('www-authenticate'), 'Basic');
  assert.deepEqual(await basic.json(), { error: 'invalid_client' });
  const inBody = await refresh(issuer, refreshToken, { client_secret: issuer.clientSecret! });
  assert.equal(inBody.status, 400);
  assert.equal(inBody.headers.get('www-authenticate'), null);
  assert.deepEqual(await inBody.json(), { error: 'invalid_client' });
  assert.equal(await issuer.isRefreshTokenUsable(refreshToken), true, 'refused before the token was looked at');
});

test('hold-answer fault: the token is redeemed (rotated) at once, the answer goes out later', async (t) => {
  const issuer = await issuerWith(t, {});
  const { refreshToken } = await issuer.mintSession();
  issuer.setTokenEndpointFault({ kind: 'hold-answer', ms: 60_000 }, 1);
  let answered = false;
  const answer = refresh(issuer, refreshToken).then(() => { answered = true; }, () => { answered = true; });
  while (issuer.stats().refreshSuccesses === 0) await sleep(20);
  assert.equal(await issuer.isRefreshTokenUsable(refreshToken), false, 'already spent');
  assert.equal(answered, false, 'while the answer waits');
  await issuer.stop(); // drops the held answer's connection
  await answer;
});
