// The refusal table (src/core/oauth/refusal-table.ts) under a race: for each kind of refusal,
// 20 real `credshare token` processes find the access token expired at once. Exactly one
// refresh request reaches the (real, embedded) issuer; every process exits with the table's
// code and prints the refusal itself, never "Not signed in"; and when the token is dead, a
// later call sends nothing. The issuer answers as real issuers do: invalid_grant (oidc-provider),
// an empty 400 (glewlwyd 2.7), 400 invalid_request (LemonLDAP::NG 2.16), 400 unauthorized_client,
// 401 invalid_client, and a rotated client secret (401 WWW-Authenticate: Basic).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { EmbeddedIssuer, type IssuerBehaviours } from '../../src/issuer/embedded-issuer';
import { emptyBehaviourHome, signInByHand, type BehaviourHome, type IssueNineFields } from '../support/behaviour-home';
import { runCli, type Finished } from '../support/processes';
import { assertNoSecrets } from './login-helpers';

const RACERS = 20;
const TIMEOUT = 120_000;
const issuers: EmbeddedIssuer[] = [];
const homes: BehaviourHome[] = [];

after(async () => {
  for (const issuer of issuers) await issuer.stop();
  for (const home of homes) home.remove();
});

async function signedIn(behaviours: IssuerBehaviours = {}): Promise<{ issuer: EmbeddedIssuer; home: BehaviourHome }> {
  const issuer = await EmbeddedIssuer.start({ accessTokenTtlSeconds: 300, behaviours });
  issuers.push(issuer);
  const home = emptyBehaviourHome('credshare-refusal-race-');
  homes.push(home);
  const fields: IssueNineFields = issuer.clientSecret ? { clientSecret: issuer.clientSecret } : {};
  await signInByHand(home, issuer, fields);
  return { issuer, home };
}

/** One refresh that succeeds: the issuer has now accepted a request of this shape. */
async function proveShape(issuer: EmbeddedIssuer, home: BehaviourHome): Promise<void> {
  home.expire();
  const ok = await runCli(['token'], home.env);
  assert.equal(ok.code, 0, ok.stderr);
  issuer.resetStats();
}

async function race(issuer: EmbeddedIssuer, home: BehaviourHome): Promise<Finished[]> {
  home.expire();
  issuer.resetStats();
  const results = await Promise.all(Array.from({ length: RACERS }, () => runCli(['token'], home.env)));
  assert.equal(issuer.stats().refreshRequests, 1, 'exactly one refresh request reached the issuer');
  return results;
}

/** Every process exited with `code` and printed the refusal (`words`), never "Not signed in". */
function assertAllReport(results: Finished[], code: number, words: RegExp): void {
  const codes = results.map((r) => r.code);
  assert.deepEqual(codes, codes.map(() => code), `exit codes: ${codes.join(' ')}\n${results.map((r) => r.stderr).join('')}`);
  for (const result of results) {
    assert.doesNotMatch(result.stderr, /Not signed in/, 'a waiter printed "Not signed in" instead of the refusal');
    assert.match(result.stderr, words);
    assert.equal(result.stdout, '', 'no token printed');
  }
}

/** Dead token: session gone, and the next call sends nothing (still says why). */
async function assertDeadAndQuiet(issuer: EmbeddedIssuer, home: BehaviourHome, words: RegExp): Promise<void> {
  assert.equal(home.readSession(), undefined, 'the refused session was removed');
  const again = await runCli(['token'], home.env);
  assert.equal(again.code, 3, again.stderr);
  assert.match(again.stderr, words);
  assert.match(again.stderr, /Sign in again: run `credshare login`/);
  assert.equal(issuer.stats().refreshRequests, 1, 'the second call sent nothing to the issuer');
}

/** Client or transient refusal: session and token kept; the next call within the cool-down reports the same, sending nothing. */
async function assertKeptAndCooling(issuer: EmbeddedIssuer, home: BehaviourHome, refreshToken: string, words: RegExp): Promise<void> {
  assert.equal(home.readSession()?.refreshToken, refreshToken, 'the session is kept');
  const again = await runCli(['token'], home.env);
  assert.equal(again.code, 1, again.stderr);
  assert.match(again.stderr, words);
  assert.equal(issuer.stats().refreshRequests, 1, 'within the cool-down the next call sent nothing');
}

describe('a race of 20 processes on a refused refresh', () => {
  it('invalid_grant (oidc-provider: the grant was revoked): exit 3, everyone prints it, the token is never presented again', { timeout: TIMEOUT }, async (t) => {
    const { issuer, home } = await signedIn();
    const session = home.readSession()!;
    await issuer.revokeGrant(session.refreshToken);
    const results = await race(issuer, home);
    const words = /Signed out( \d+s ago)?: http:\/\/\S+\/token no longer accepts the refresh token \(HTTP 400 invalid_grant: grant request is invalid\), so the session was removed\. Sign in again: run `credshare login`\./;
    assertAllReport(results, 3, words);
    t.diagnostic(`invalid_grant: ${results[0]!.stderr.trim()}`);
    assertNoSecrets(results.map((r) => r.stderr).join(''), session);
    await assertDeadAndQuiet(issuer, home, words);
  });

  it('an empty 400 (glewlwyd 2.7): exit 3 for all, session removed, nothing sent afterwards', { timeout: TIMEOUT }, async () => {
    const { issuer, home } = await signedIn({ bareRefreshRefusals: true });
    await issuer.revokeGrant(home.readSession()!.refreshToken);
    const results = await race(issuer, home);
    const words = /http:\/\/\S+\/token refused the refresh token \(HTTP 400 with an empty body\), so the session was removed\. Sign in again/;
    assertAllReport(results, 3, words);
    await assertDeadAndQuiet(issuer, home, words);
  });

  for (const error of ['invalid_request', 'unauthorized_client'] as const) {
    it(`400 ${error} to a refresh shaped like one that succeeded before (LemonLDAP::NG and others): exit 3, the token is dead`, { timeout: TIMEOUT }, async (t) => {
      const { issuer, home } = await signedIn({ refreshRefusalError: error });
      await proveShape(issuer, home);
      await issuer.revokeGrant(home.readSession()!.refreshToken);
      const results = await race(issuer, home);
      const words = new RegExp(`no longer accepts the refresh token \\(HTTP 400 ${error}; a refresh of the same shape succeeded before, so it is the token that is refused\\), so the session was removed\\. Sign in again`);
      assertAllReport(results, 3, words);
      t.diagnostic(`${error} after success: ${results[0]!.stderr.trim()}`);
      await assertDeadAndQuiet(issuer, home, words);
    });
  }

  it('400 invalid_request to the very first refresh: exit 1, the session is kept, the message says both causes', { timeout: TIMEOUT }, async (t) => {
    const { issuer, home } = await signedIn({ refreshRefusalError: 'invalid_request' });
    const { refreshToken } = home.readSession()!;
    await issuer.revokeGrant(refreshToken);
    const results = await race(issuer, home);
    const words = /refused the refresh \(HTTP 400 invalid_request\)\. No refresh with this client and endpoint has succeeded yet, so either the refresh token is no longer valid there or the client "credshare-cli" may not refresh this way\. Your session is kept\. Sign in again \(`credshare login`\)/;
    assertAllReport(results, 1, words);
    t.diagnostic(`invalid_request, first refresh: ${results[0]!.stderr.trim()}`);
    await assertKeptAndCooling(issuer, home, refreshToken, words);
  });

  it('the client secret was rotated at the issuer (401 WWW-Authenticate: Basic): exit 1, which client and method, what to try; the token is not spent', { timeout: TIMEOUT }, async (t) => {
    const { issuer, home } = await signedIn({ clientSecretMethods: ['client_secret_basic'] });
    const { refreshToken } = home.readSession()!;
    issuer.retireClientSecret();
    const results = await race(issuer, home);
    const words = /http:\/\/\S+\/token refused the client "credshare-cli" \(authenticated with client_secret_basic\) \(HTTP 401 invalid_client, WWW-Authenticate: Basic\)\. Your session is kept; its refresh token was not spent\. Check the client secret of "credshare-cli" \(sign in again with `credshare login --client-secret-stdin` to store the current one\); if the issuer takes the secret only in the request body, add `--token-endpoint-auth-method client_secret_post`\./;
    assertAllReport(results, 1, words);
    for (const r of results) assert.doesNotMatch(r.stderr, /challenge in the WWW-Authenticate/, 'oauth4webapi\'s internals');
    t.diagnostic(`secret rotated: ${results[0]!.stderr.trim()}`);
    assert.ok(!results.some((r) => r.stderr.includes(issuer.clientSecret!)), 'no secret printed');
    await assertKeptAndCooling(issuer, home, refreshToken, words);
    assert.equal(await issuer.isRefreshTokenUsable(refreshToken), true, 'the issuer never redeemed the token');
  });

  it('401 invalid_client for a dead token: taken at its word (a client refusal), exit 1, session kept', { timeout: TIMEOUT }, async () => {
    const { issuer, home } = await signedIn({ refreshRefusalError: 'invalid_client' });
    await proveShape(issuer, home);
    const { refreshToken } = home.readSession()!;
    await issuer.revokeGrant(refreshToken);
    const results = await race(issuer, home);
    const words = /refused the client "credshare-cli" \(no client authentication, method none\) \(HTTP 401 invalid_client\)\. Your session is kept;.*credshare sent no client secret \(method none\)/;
    assertAllReport(results, 1, words);
    await assertKeptAndCooling(issuer, home, refreshToken, words);
  });

  // 503 with a long Retry-After, so that the cool-down outlasts the race on a loaded machine
  // (after a 500, the next process asks again after 5 s, by design).
  it('HTTP 503, Retry-After 120: transient, exit 1 for all, the session kept', { timeout: TIMEOUT }, async () => {
    const { issuer, home } = await signedIn();
    const { refreshToken } = home.readSession()!;
    issuer.setTokenEndpointFault({ kind: 'status', status: 503, headers: { 'retry-after': '120' } });
    const results = await race(issuer, home);
    const words = /http:\/\/\S+\/token is not taking requests now \(HTTP 503, asks to retry after 120s; 1 attempt\)\. Your credentials are kept; try again in 120s\./;
    assertAllReport(results, 1, words);
    await assertKeptAndCooling(issuer, home, refreshToken, words);
  });
});
