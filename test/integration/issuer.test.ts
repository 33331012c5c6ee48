// The embedded issuer against the real oidc-provider: discovery, rotation, reuse
// detection, fault injection, the sign-in flows, and the admin endpoints of a
// separate issuer process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import * as oauth from 'oauth4webapi';
import {
  EmbeddedIssuer,
  approveDeviceCode,
  authorizeInBrowser,
  type IssuerOptions,
  type IssuerStats,
} from '../../src/issuer/embedded-issuer';

const insecure = { [oauth.allowInsecureRequests]: true } as const;

async function withIssuer(options: IssuerOptions, fn: (issuer: EmbeddedIssuer) => Promise<void>): Promise<void> {
  const issuer = await EmbeddedIssuer.start(options);
  try {
    await fn(issuer);
  } finally {
    await issuer.stop();
  }
}

interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** A refresh request with plain fetch, so that statuses and error codes can be asserted as sent. */
async function refresh(issuer: EmbeddedIssuer, refreshToken: string, signal?: AbortSignal): Promise<TokenAnswer> {
  const response = await fetch(`${issuer.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: issuer.clientId }),
    signal,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function expectStats(issuer: EmbeddedIssuer, expected: Partial<IssuerStats>): void {
  const actual = issuer.stats();
  const picked = Object.fromEntries(Object.keys(expected).map((key) => [key, actual[key as keyof IssuerStats]]));
  assert.deepEqual(picked, expected);
}

async function discover(issuer: EmbeddedIssuer): Promise<oauth.AuthorizationServer> {
  const url = new URL(issuer.url);
  return oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, insecure));
}

test('discovery works through oauth4webapi', () =>
  withIssuer({}, async (issuer) => {
    assert.match(issuer.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const as = await discover(issuer);
    assert.equal(as.issuer, issuer.url);
    assert.equal(as.token_endpoint, `${issuer.url}/token`);
    assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(as.grant_types_supported, ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code']);
    for (const endpoint of ['device_authorization_endpoint', 'revocation_endpoint', 'introspection_endpoint', 'userinfo_endpoint'] as const) {
      assert.ok(as[endpoint], `${endpoint} advertised`);
    }
  }));

test('a minted session refreshes, and the refresh rotates the refresh token', () =>
  withIssuer({}, async (issuer) => {
    const session = await issuer.mintSession({ accountId: 'alice' });
    assert.equal(session.expiresIn, 5);
    assert.ok(await issuer.isAccessTokenValid(session.accessToken));
    assert.ok(await issuer.isRefreshTokenUsable(session.refreshToken));
    expectStats(issuer, { refreshRequests: 0, otherTokenRequests: 0 }); // minting is not counted

    const as = await discover(issuer);
    const client = { client_id: issuer.clientId };
    const response = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), session.refreshToken, insecure);
    const tokens = await oauth.processRefreshTokenResponse(as, client, response);

    assert.ok(tokens.refresh_token);
    assert.notEqual(tokens.refresh_token, session.refreshToken);
    assert.ok(await issuer.isAccessTokenValid(tokens.access_token));
    assert.ok(await issuer.isRefreshTokenUsable(tokens.refresh_token));
    assert.equal(await issuer.isRefreshTokenUsable(session.refreshToken), false, 'the old one is consumed');
    assert.equal(oauth.getValidatedIdTokenClaims(tokens)?.email, 'alice@example.test');
    expectStats(issuer, { refreshRequests: 1, refreshSuccesses: 1, refreshFailures: 0, reuseDetections: 0 });
  }));

test('reuse detection: presenting a used refresh token fails and revokes the whole grant', () =>
  withIssuer({}, async (issuer) => {
    const { refreshToken: rt1 } = await issuer.mintSession();
    const first = await refresh(issuer, rt1);
    assert.equal(first.status, 200);
    const rt2 = first.body.refresh_token as string;
    const at2 = first.body.access_token as string;

    const replay = await refresh(issuer, rt1);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');

    // The winner's tokens die with the grant.
    assert.equal(await issuer.isRefreshTokenUsable(rt2), false);
    assert.equal(await issuer.isAccessTokenValid(at2), false);
    const afterwards = await refresh(issuer, rt2);
    assert.equal(afterwards.body.error, 'invalid_grant');
    expectStats(issuer, { refreshRequests: 3, refreshSuccesses: 1, refreshFailures: 2, reuseDetections: 1 });
  }));

test('two simultaneous redemptions of one refresh token cannot both win', () =>
  withIssuer({}, async (issuer) => {
    const { refreshToken } = await issuer.mintSession();
    const answers = await Promise.all([refresh(issuer, refreshToken), refresh(issuer, refreshToken)]);
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [200, 400]);
    const winner = answers.find((a) => a.status === 200)!;
    assert.equal(await issuer.isRefreshTokenUsable(winner.body.refresh_token as string), false, 'grant revoked');
    expectStats(issuer, { refreshRequests: 2, refreshSuccesses: 1, refreshFailures: 1, reuseDetections: 1 });
  }));

test('an idle session survives a long benchmark of another one', () =>
  withIssuer({}, async (issuer) => {
    // The provider's default adapter (a 1000-entry LRU) loses the idle session here.
    const idle = await issuer.mintSession({ accountId: 'idle' });
    const busy = async (accountId: string) => {
      let { refreshToken } = await issuer.mintSession({ accountId, scope: 'offline_access' }); // no id_token: faster
      for (let i = 0; i < 100; i++) {
        const answer = await refresh(issuer, refreshToken);
        assert.equal(answer.status, 200);
        refreshToken = answer.body.refresh_token as string;
      }
    };
    await Promise.all(Array.from({ length: 11 }, (_, i) => busy(`busy${i}`)));
    expectStats(issuer, { refreshSuccesses: 1100 });
    assert.equal((await refresh(issuer, idle.refreshToken)).status, 200);
  }));

test('access tokens expire after the configured TTL', () =>
  withIssuer({ accessTokenTtlSeconds: 1 }, async (issuer) => {
    const session = await issuer.mintSession();
    assert.equal(session.expiresIn, 1);
    assert.ok(await issuer.isAccessTokenValid(session.accessToken));
    await new Promise((resolve) => setTimeout(resolve, 2100));
    assert.equal(await issuer.isAccessTokenValid(session.accessToken), false);
    assert.ok(await issuer.isRefreshTokenUsable(session.refreshToken));
  }));

test('fault: status answers as told, counts, and leaves the refresh token unspent', () =>
  withIssuer({}, async (issuer) => {
    const { refreshToken } = await issuer.mintSession();
    issuer.setTokenEndpointFault({ kind: 'status', status: 429, headers: { 'retry-after': '7' } }, 1);
    const limited = await fetch(`${issuer.url}/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: issuer.clientId }),
    });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    await limited.arrayBuffer();

    issuer.setTokenEndpointFault({ kind: 'status', status: 500, body: 'upstream exploded' }, 1);
    const broken = await fetch(`${issuer.url}/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: issuer.clientId }),
    });
    assert.equal(broken.status, 500);
    assert.equal(await broken.text(), 'upstream exploded');

    assert.ok(await issuer.isRefreshTokenUsable(refreshToken), 'the provider never saw the faulted requests');
    assert.equal((await refresh(issuer, refreshToken)).status, 200, 'count=1 faults are used up');
    expectStats(issuer, { refreshRequests: 3, refreshSuccesses: 1, refreshFailures: 2, reuseDetections: 0 });
  }));

test('fault: a fault without count lasts until cleared, and spares other grants', () =>
  withIssuer({}, async (issuer) => {
    const { refreshToken } = await issuer.mintSession();
    issuer.setTokenEndpointFault({ kind: 'status', status: 503 });
    for (let i = 0; i < 3; i++) {
      const answer = await refresh(issuer, refreshToken);
      assert.equal(answer.status, 503);
      assert.equal(answer.body.error, 'temporarily_unavailable');
    }
    const other = await issuer.mintSession(); // a device_code grant, not a refresh
    assert.ok(other.refreshToken);
    issuer.setTokenEndpointFault(null);
    assert.equal((await refresh(issuer, refreshToken)).status, 200);
    expectStats(issuer, { refreshRequests: 4, refreshSuccesses: 1, refreshFailures: 3 });
  }));

test('fault: garbage is a 200 with a body that is not JSON', () =>
  withIssuer({}, async (issuer) => {
    const { refreshToken } = await issuer.mintSession();
    issuer.setTokenEndpointFault({ kind: 'garbage' }, 1);
    const response = await fetch(`${issuer.url}/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: issuer.clientId }),
    });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.throws(() => JSON.parse(text));
    assert.ok(await issuer.isRefreshTokenUsable(refreshToken));
    expectStats(issuer, { refreshRequests: 1, refreshSuccesses: 0, refreshFailures: 1 });
  }));

test('fault: delay answers normally, late', () =>
  withIssuer({}, async (issuer) => {
    const { refreshToken } = await issuer.mintSession();
    issuer.setTokenEndpointFault({ kind: 'delay', ms: 400 }, 1);
    const started = Date.now();
    const answer = await refresh(issuer, refreshToken);
    assert.ok(Date.now() - started >= 390, `answered after ${Date.now() - started} ms`);
    assert.equal(answer.status, 200);
    expectStats(issuer, { refreshRequests: 1, refreshSuccesses: 1, refreshFailures: 0 });
  }));

test('fault: hang never answers, and stop() still finishes', async () => {
  const issuer = await EmbeddedIssuer.start();
  try {
    const { refreshToken } = await issuer.mintSession();
    issuer.setTokenEndpointFault({ kind: 'hang' });
    await assert.rejects(refresh(issuer, refreshToken, AbortSignal.timeout(300)), { name: 'TimeoutError' });
    const pending = refresh(issuer, refreshToken);
    pending.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expectStats(issuer, { refreshRequests: 2, refreshSuccesses: 0, refreshFailures: 2 });
    await issuer.stop(); // must not wait for the hanging request
    await assert.rejects(pending);
  } finally {
    await issuer.stop();
  }
});

test('fault: reset destroys the connection without an answer', () =>
  withIssuer({}, async (issuer) => {
    const { refreshToken } = await issuer.mintSession();
    issuer.setTokenEndpointFault({ kind: 'reset' }, 1);
    await assert.rejects(refresh(issuer, refreshToken), TypeError); // fetch failed: socket closed
    assert.ok(await issuer.isRefreshTokenUsable(refreshToken));
    assert.equal((await refresh(issuer, refreshToken)).status, 200);
    expectStats(issuer, { refreshRequests: 2, refreshSuccesses: 1, refreshFailures: 1 });
  }));

test('authorization code + PKCE on any loopback port yields a refresh token', () =>
  withIssuer({}, async (issuer) => {
    const as = await discover(issuer);
    const client = { client_id: issuer.clientId };
    const verifier = oauth.generateRandomCodeVerifier();
    const redirectUri = 'http://127.0.0.1:49152/callback'; // registered without a port
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: issuer.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid offline_access',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'xyz',
    }).toString();

    const callback = await authorizeInBrowser(url.href, 'bob');
    assert.equal(`${callback.origin}${callback.pathname}`, redirectUri);
    const params = oauth.validateAuthResponse(as, client, callback, 'xyz');
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, verifier, insecure);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
    assert.ok(tokens.refresh_token);
    assert.equal(oauth.getValidatedIdTokenClaims(tokens)?.name, 'Bob Example');
    expectStats(issuer, { otherTokenRequests: 1, refreshRequests: 0 });

    // Without PKCE the provider refuses.
    url.searchParams.delete('code_challenge');
    url.searchParams.delete('code_challenge_method');
    const refused = await authorizeInBrowser(url.href);
    assert.equal(refused.searchParams.get('error'), 'invalid_request');
  }));

test('device flow approved over plain HTTP yields a refresh token', () =>
  withIssuer({}, async (issuer) => {
    const as = await discover(issuer);
    const client = { client_id: issuer.clientId };
    const started = await oauth.deviceAuthorizationRequest(as, client, oauth.None(), { scope: 'openid offline_access' }, insecure);
    const device = await oauth.processDeviceAuthorizationResponse(as, client, started);
    assert.equal(device.interval, 1);
    assert.equal(device.verification_uri, `${issuer.url}/device`);

    const early = await oauth.deviceCodeGrantRequest(as, client, oauth.None(), device.device_code, insecure);
    await assert.rejects(oauth.processDeviceCodeResponse(as, client, early), { error: 'authorization_pending' });

    await approveDeviceCode(issuer.url, device.user_code, 'carol');
    const done = await oauth.deviceCodeGrantRequest(as, client, oauth.None(), device.device_code, insecure);
    const tokens = await oauth.processDeviceCodeResponse(as, client, done);
    assert.ok(tokens.refresh_token);
    assert.equal(tokens.scope, 'openid offline_access');
    assert.equal(oauth.getValidatedIdTokenClaims(tokens)?.sub, 'carol');
    expectStats(issuer, { otherTokenRequests: 2 });
  }));

test('revoking a refresh token counts and ends the session', () =>
  withIssuer({}, async (issuer) => {
    const session = await issuer.mintSession();
    const as = await discover(issuer);
    const response = await oauth.revocationRequest(as, { client_id: issuer.clientId }, oauth.None(), session.refreshToken, insecure);
    await oauth.processRevocationResponse(response);
    assert.equal(await issuer.isRefreshTokenUsable(session.refreshToken), false);
    assert.equal(await issuer.isAccessTokenValid(session.accessToken), false);
    expectStats(issuer, { revocations: 1 });
  }));

test('admin endpoints work from a separate issuer process', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/issuer/main.ts', '--access-token-ttl', '9'], {
    cwd: new URL('../..', import.meta.url),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const lines = createInterface({ input: child.stdout! });
    const [line] = (await Promise.race([
      once(lines, 'line'),
      once(child, 'exit').then(([code]) => Promise.reject(new Error(`issuer exited with ${code}`))),
    ])) as [string];
    const info = JSON.parse(line) as { issuer: string; clientId: string; admin: string };
    assert.equal(info.clientId, 'credshare-cli');
    assert.equal(info.admin, `${info.issuer}/__admin`);

    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${info.admin}${path}`, { method: 'POST', body: JSON.stringify(body) });
      assert.equal(response.status, 200, `${path} answered ${response.status}`);
      return (await response.json()) as Record<string, unknown>;
    };
    const minted = await post('/mint', { accountId: 'erin' });
    assert.equal(minted.accountId, 'erin');
    assert.equal(minted.expiresIn, 9);

    const valid = await fetch(`${info.admin}/access-token-valid`, { headers: { authorization: `Bearer ${minted.accessToken}` } });
    assert.deepEqual(await valid.json(), { valid: true });

    await post('/fault', { fault: { kind: 'status', status: 503 }, count: 1 });
    const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: minted.refreshToken as string, client_id: info.clientId });
    assert.equal((await fetch(`${info.issuer}/token`, { method: 'POST', body })).status, 503);
    assert.equal((await fetch(`${info.issuer}/token`, { method: 'POST', body })).status, 200);

    const stats = (await (await fetch(`${info.admin}/stats`)).json()) as IssuerStats;
    assert.deepEqual(stats, {
      refreshRequests: 2,
      refreshSuccesses: 1,
      refreshFailures: 1,
      reuseDetections: 0,
      reusesTolerated: 0,
      otherTokenRequests: 0,
      revocations: 0,
      discoveryRequests: 0,
    });
    assert.deepEqual(await post('/refresh-token-usable', { refreshToken: minted.refreshToken }), { usable: false });
    await post('/reset-stats', {});
    assert.equal(((await (await fetch(`${info.admin}/stats`)).json()) as IssuerStats).refreshRequests, 0);
  } finally {
    const exited = child.exitCode === null ? once(child, 'exit') : Promise.resolve([child.exitCode]);
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0);
  }
});
