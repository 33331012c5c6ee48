// Scopes on refresh (issue 15.5): a refresh never asks for a scope outside the grant
// (RFC 6749 §6), and a token's scopes are never reported beyond what the issuer confirmed.
// Real oidc-provider, real `credshare` processes; the issuer's introspection is the truth.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../support/processes';
import { introspect, signedInWithGrant, sortedWords } from '../support/scoped-home';

const IGNORES_AND_OMITS = { ignoreRefreshScope: true, refreshAnswersWithoutScope: true };

test('a scope set beyond the grant exits 3 with the login line, and no refresh asks for it (an issuer that would ignore the parameter)', { timeout: 60_000 }, async (t) => {
  const { issuer, home } = await signedInWithGrant(t, 'openid', IGNORES_AND_OMITS);
  const before = home.readSession()!;
  issuer.resetStats();
  const result = await runCli(['token', '--json', '--scope', 'openid email'], home.env);
  t.diagnostic(`exit ${result.code}; stdout ${result.stdout.trim().replace(/"accessToken":"[^"]+"/, '"accessToken":"…"')}; stderr ${result.stderr.trim()}`);
  assert.equal(result.code, 3, 'sign-in needed');
  assert.equal(result.stdout, '', 'no token handed out');
  assert.match(result.stderr, /not signed in for scope "email openid" \(the grant holds "openid"; a refresh cannot add "email" \(RFC 6749 section 6\), so none was sent\)/);
  assert.match(result.stderr, /`credshare login --scope "email openid"`/);
  assert.equal(issuer.stats().refreshRequests, 0, 'nothing was asked of the issuer');
  assert.equal(home.readSession()!.refreshToken, before.refreshToken, 'the grant is untouched');
  // The grant's own token is still served.
  assert.equal((await runCli(['token'], home.env)).code, 0);
});

test('an issuer that ignores scope on refresh and omits it from its answer: grant "openid email", --scope openid is not reported as openid', { timeout: 60_000 }, async (t) => {
  const { issuer, home } = await signedInWithGrant(t, 'openid email', IGNORES_AND_OMITS);
  const result = await runCli(['token', '--json', '--scope', 'openid'], home.env);
  assert.equal(result.code, 0, result.stderr);
  const answer = JSON.parse(result.stdout) as { accessToken: string; scope: string; scopeConfirmed: boolean };
  const atIssuer = await introspect(issuer, answer.accessToken);
  t.diagnostic(`reported scope "${answer.scope}" (confirmed: ${answer.scopeConfirmed}); the issuer says the token carries "${atIssuer.scope}"`);
  assert.equal(sortedWords(atIssuer.scope), 'email openid', 'the issuer ignored the narrower scope');
  assert.equal(sortedWords(answer.scope), 'email openid', 'reported as the most it can carry, never as "openid" alone');
  assert.equal(answer.scopeConfirmed, false);
  const doctor = await runCli(['doctor'], home.env);
  assert.match(doctor.stdout, /"openid": valid for .* \(unconfirmed: the issuer's answer gave no "scope" and the token is not a JWT; it may carry up to the sign-in's "openid email"/);
});

test('an issuer that narrows but omits scope from its answer: unconfirmed, reported as the grant\'s scope at most', { timeout: 60_000 }, async (t) => {
  const { issuer, home } = await signedInWithGrant(t, 'openid email', { refreshAnswersWithoutScope: true });
  const result = await runCli(['token', '--json', '--scope', 'openid'], home.env);
  assert.equal(result.code, 0, result.stderr);
  const answer = JSON.parse(result.stdout) as { accessToken: string; scope: string; scopeConfirmed: boolean };
  assert.equal((await introspect(issuer, answer.accessToken)).scope, 'openid', 'this issuer did narrow');
  assert.deepEqual([sortedWords(answer.scope), answer.scopeConfirmed], ['email openid', false], 'but its answer did not say so');
  // Cached as any scope set's token: the next call costs no request.
  issuer.resetStats();
  const again = await runCli(['token', '--json', '--scope', 'openid'], home.env);
  assert.equal(JSON.parse(again.stdout).accessToken, answer.accessToken);
  assert.equal(issuer.stats().refreshRequests, 0);
});

test('an issuer that answers a narrowed refresh with its scope: confirmed, as before', { timeout: 60_000 }, async (t) => {
  const { home } = await signedInWithGrant(t, 'openid email');
  const answer = JSON.parse((await runCli(['token', '--json', '--scope', 'openid'], home.env)).stdout) as { scope: string; scopeConfirmed: boolean };
  assert.deepEqual([answer.scope, answer.scopeConfirmed], ['openid', true]);
});
