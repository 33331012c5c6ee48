// A refresh refused with a bare 400 or 401 (no OAuth error body), as glewlwyd answers a
// dead refresh token: a refusal, handled like invalid_grant. The token endpoint's answer is
// injected by the embedded issuer's fault gate (the provider itself always sends a body).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../support/processes';
import { signedInHome } from '../support/issuer-home';
import { assertNoSecrets } from './login-helpers';

for (const status of [400, 401]) {
  test(`a bare ${status} on refresh signs out with exit 3 "sign in again", and the token is never presented again`, { timeout: 60_000 }, async (t) => {
    const env = await signedInHome();
    t.after(() => env.close());
    const session = env.home.readSession()!;
    env.expire();
    env.issuer.setTokenEndpointFault({ kind: 'status', status, body: '' });

    const first = await runCli(['token'], env.home.env);
    assert.equal(first.code, 3, first.stderr);
    assert.match(first.stderr, new RegExp(`Signed out: http://127\\.0\\.0\\.1:\\d+/token refused the refresh token \\(HTTP ${status} with an empty body\\), so the session was removed\\. Sign in again: run \`credshare login\``));
    assert.equal(env.issuer.stats().refreshRequests, 1);
    assert.equal(env.home.readSession(), undefined, 'the refused session is gone');

    const second = await runCli(['token'], env.home.env);
    assert.equal(second.code, 3, second.stderr);
    // Not a bare "Not signed in": the refusal, with the issuer's answer and the command.
    assert.match(second.stderr, new RegExp(`Signed out \\d+s ago: http://\\S+/token refused the refresh token \\(HTTP ${status} with an empty body\\), so the session was removed\\. Sign in again: run \`credshare login\``));
    assert.equal(env.issuer.stats().refreshRequests, 1, 'the second call sent nothing to the issuer');

    const status1 = await runCli(['status'], env.home.env);
    assert.equal(status1.code, 3);
    assert.match(status1.stdout, new RegExp(`Signed out \\d+s ago: http://\\S+/token refused the refresh token \\(HTTP ${status} with an empty body\\), so the session was removed\\. Sign in again: run \`credshare login\`\\.`));
    const json = JSON.parse((await runCli(['status', '--json'], env.home.env)).stdout);
    assert.equal(json.signedIn, false);
    assert.match(json.refused.reason, /refused the refresh token/);
    const doctor = await runCli(['doctor'], env.home.env);
    assert.equal(doctor.code, 1, 'doctor does not say all is well');
    assert.match(doctor.stdout, /^Session +signed out \d+s ago: .*refused the refresh token .*!! the issuer refused the session; sign in again with `credshare login`$/m);
    assert.doesNotMatch(doctor.stdout, /No problems found/);
    assertNoSecrets(first.stderr + second.stderr + status1.stdout + doctor.stdout, session);

    // A stale copy of the session (a window whose store lags, a restored backup) must not
    // present the refused token either: the record marks it spent.
    env.home.writeSession({ ...session, expiresAt: Date.now() - 1000 });
    const stale = await runCli(['token'], env.home.env);
    assert.equal(stale.code, 3, stale.stderr);
    assert.match(stale.stderr, /already used/);
    assert.equal(env.issuer.stats().refreshRequests, 1, 'still nothing more reached the issuer');

    // Signing in again clears it: status no longer reports the old refusal once the session is back and gone.
    // (A store change within 2 s of the refusal's record counts as the removal itself, refused-session.ts:
    // a person cannot sign in and out within it, a test on a quiet machine can, so it waits that out.)
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await env.signIn();
    await runCli(['logout', '--no-revoke'], env.home.env);
    assert.match((await runCli(['status'], env.home.env)).stdout, /^Signed out\. Run `credshare login`\.$/m);
  });
}

for (const error of ['bad_refresh_token', 'invalid_grant']) {
  test(`a refresh answered HTTP 200 with error ${error} (GitHub's way) signs out with exit 3, once`, { timeout: 60_000 }, async (t) => {
    const env = await signedInHome();
    t.after(() => env.close());
    env.expire();
    env.issuer.setTokenEndpointFault({ kind: 'status', status: 200, body: JSON.stringify({ error, error_description: 'The refresh token passed is incorrect or expired.' }) });
    const first = await runCli(['token'], env.home.env);
    assert.equal(first.code, 3, first.stderr);
    assert.match(first.stderr, new RegExp(`Signed out: http://\\S+/token no longer accepts the refresh token \\(HTTP 200 ${error}: The refresh token passed is incorrect or expired\\.\\), so the session was removed\\. Sign in again`));
    assert.equal((await runCli(['token'], env.home.env)).code, 3);
    assert.equal(env.issuer.stats().refreshRequests, 1);
  });
}

test('429, 500 and a 400 temporarily_unavailable stay failures that keep the session (the refusal table\'s transient rows)', { timeout: 90_000 }, async (t) => {
  const env = await signedInHome({ timings: { requestTimeoutMs: 5000 } });
  t.after(() => env.close());
  const session = env.home.readSession()!;
  for (const fault of [
    { kind: 'status' as const, status: 429, headers: { 'retry-after': '0' } },
    { kind: 'status' as const, status: 500 },
    { kind: 'status' as const, status: 400, body: JSON.stringify({ error: 'temporarily_unavailable', error_description: 'try again' }) },
  ]) {
    env.expire();
    env.issuer.setTokenEndpointFault(fault);
    // The previous failure's cool-down is for other processes; wait it out so each fault is asked once more.
    await new Promise((resolve) => setTimeout(resolve, 5200));
    const result = await runCli(['token'], env.home.env);
    assert.equal(result.code, 1, `${fault.status}: ${result.stderr}`);
    assert.match(result.stderr, /credentials are kept/i);
    assert.equal(env.home.readSession()?.refreshToken, session.refreshToken, `${fault.status}: session kept`);
  }
  env.issuer.setTokenEndpointFault(null);
  await new Promise((resolve) => setTimeout(resolve, 5200));
  const healed = await runCli(['token'], env.home.env);
  assert.equal(healed.code, 0, healed.stderr);
});
