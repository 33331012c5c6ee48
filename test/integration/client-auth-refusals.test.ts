// 15.3: a refused client says what failed (which client, which authentication method) and
// what to try, at sign-in (code exchange, device flow), refresh and revocation. The issuer is
// the real embedded oidc-provider with a confidential client whose secret an administrator
// rotated (EmbeddedIssuer.retireClientSecret: LemonLDAP::NG's answers to a wrong secret, a 401
// with `WWW-Authenticate: Basic` for HTTP Basic, 400 invalid_client for the secret in the
// body), and the provider's own 401 for a wrong Basic secret.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { EmbeddedIssuer, authorizeInBrowser, type ClientSecretMethod } from '../../src/issuer/embedded-issuer';
import { emptyBehaviourHome, freePort, signInByHand, type BehaviourHome } from '../support/behaviour-home';
import { runCli, startCli } from '../support/processes';
import { authorizationUrlOf } from './login-helpers';

const TIMEOUT = 60_000;
const stops: (() => Promise<void> | void)[] = [];
after(async () => { for (const stop of stops) await stop(); });

async function issuerWith(methods: ClientSecretMethod[], redirectPort?: number): Promise<EmbeddedIssuer> {
  const issuer = await EmbeddedIssuer.start({
    accessTokenTtlSeconds: 300, behaviours: { clientSecretMethods: methods },
    ...(redirectPort ? { redirectUris: [`http://127.0.0.1:${redirectPort}/callback`] } : {}),
  });
  stops.push(() => issuer.stop());
  return issuer;
}

function home(): BehaviourHome {
  const h = emptyBehaviourHome('credshare-client-auth-');
  stops.push(() => h.remove());
  return h;
}

/** No oauth4webapi internals, no secret. */
function assertClean(text: string, secret: string): void {
  assert.doesNotMatch(text, /server responded with a challenge|WWWAuthenticateChallengeError|unexpected HTTP status code/);
  assert.ok(!text.includes(secret), 'the secret was printed');
}

describe('client authentication refused', () => {
  it('at the code exchange (browser sign-in, client_secret_basic): 401 WWW-Authenticate: Basic', { timeout: TIMEOUT }, async (t) => {
    const port = await freePort();
    const issuer = await issuerWith(['client_secret_basic'], port);
    issuer.retireClientSecret();
    const h = home();
    const cli = startCli(['login', '--browser', '--no-open', '--redirect-port', String(port), '--issuer', issuer.url, '--client-id', issuer.clientId, '--client-secret-stdin'],
      h.env, `${issuer.clientSecret}\n`);
    await fetch(await authorizeInBrowser((await authorizationUrlOf(cli)).href, 'alice'));
    const result = await cli.done;
    t.diagnostic(`code exchange: exit ${result.code}: ${result.stderr.trim()}`);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /http:\/\/127\.0\.0\.1:\d+\/token refused the client "credshare-cli" \(authenticated with client_secret_basic\) \(HTTP 401 invalid_client, WWW-Authenticate: Basic\)\. Check the client secret of "credshare-cli" \(sign in again with `credshare login --client-secret-stdin` to store the current one\); if the issuer takes the secret only in the request body, add `--token-endpoint-auth-method client_secret_post`\./);
    assertClean(result.stdout + result.stderr, issuer.clientSecret!);
    assert.equal(h.readSession(), undefined, 'nothing stored');
  });

  it('at the device authorization endpoint (device sign-in, client_secret_post): 400 invalid_client', { timeout: TIMEOUT }, async (t) => {
    const issuer = await issuerWith(['client_secret_post']);
    issuer.retireClientSecret();
    const h = home();
    const result = await runCli(['login', '--device', '--no-open', '--issuer', issuer.url, '--client-id', issuer.clientId, '--client-secret-stdin',
      '--token-endpoint-auth-method', 'client_secret_post'], h.env, `${issuer.clientSecret}\n`);
    t.diagnostic(`device authorization: exit ${result.code}: ${result.stderr.trim()}`);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /http:\/\/127\.0\.0\.1:\d+\/device\/auth refused the client "credshare-cli" \(authenticated with client_secret_post\) \(HTTP 400 invalid_client\)\. Check the client secret of "credshare-cli" \(sign in again with `credshare login --client-secret-stdin` to store the current one\); if the issuer takes the secret only as HTTP Basic authentication, add `--token-endpoint-auth-method client_secret_basic`\./);
    assertClean(result.stdout + result.stderr, issuer.clientSecret!);
  });

  it('a wrong secret at the provider itself (its own 401 WWW-Authenticate: Basic with an error description) at sign-in', { timeout: TIMEOUT }, async (t) => {
    const issuer = await issuerWith(['client_secret_basic']);
    const h = home();
    const result = await runCli(['login', '--device', '--no-open', '--issuer', issuer.url, '--client-id', issuer.clientId, '--client-secret-stdin'], h.env, 'not-the-secret\n');
    t.diagnostic(`wrong secret: exit ${result.code}: ${result.stderr.trim()}`);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /\/device\/auth refused the client "credshare-cli" \(authenticated with client_secret_basic\) \(HTTP 401 invalid_client: client authentication failed[^)]*, WWW-Authenticate: Basic\)\. Check the client secret/);
    assertClean(result.stdout + result.stderr, 'not-the-secret');
  });

  it('at refresh and at revocation (logout), the session signed in before the rotation', { timeout: TIMEOUT }, async (t) => {
    const issuer = await issuerWith(['client_secret_basic']);
    const h = home();
    const session = await signInByHand(h, issuer, { clientSecret: issuer.clientSecret! });
    issuer.retireClientSecret();
    h.expire();
    const refresh = await runCli(['token'], h.env);
    t.diagnostic(`refresh: exit ${refresh.code}: ${refresh.stderr.trim()}`);
    assert.equal(refresh.code, 1);
    assert.match(refresh.stderr, /\/token refused the client "credshare-cli" \(authenticated with client_secret_basic\) \(HTTP 401 invalid_client, WWW-Authenticate: Basic\)\. Your session is kept; its refresh token was not spent\. Check the client secret/);
    const status = await runCli(['status'], h.env);
    t.diagnostic(`status: ${status.stdout.trim().replace(/\n/g, ' | ')}`);
    assert.match(status.stdout, /^Token: +expired \d+s ago; its refresh failed \(below\)$/m);
    assert.match(status.stdout, /^Refresh: +refused \d+s ago: http:\/\/\S+\/token refused the client "credshare-cli"/m);
    const doctor = await runCli(['doctor'], h.env);
    assert.equal(doctor.code, 1, 'doctor flags it');
    assert.match(doctor.stdout, /^Last refresh +failed \(client-challenge\) \d+s ago: .*!! the issuer refused the client, not the token/m);

    const logout = await runCli(['logout'], h.env);
    t.diagnostic(`logout: exit ${logout.code}: ${(logout.stdout + logout.stderr).trim()}`);
    assert.equal(logout.code, 0, 'the session is removed here all the same');
    assert.match(logout.stdout + logout.stderr, /Warning: could not revoke the refresh token at the issuer: http:\/\/\S+\/token\/revocation refused the client "credshare-cli" \(authenticated with client_secret_basic\) \(HTTP 401 invalid_client, WWW-Authenticate: Basic\)\. Check the client secret of "credshare-cli"/);
    assertClean(refresh.stderr + status.stdout + doctor.stdout + logout.stdout + logout.stderr, issuer.clientSecret!);
    assert.equal(await issuer.isRefreshTokenUsable(session.refreshToken), true, 'as logout said, it stays valid at the issuer');
  });
});
