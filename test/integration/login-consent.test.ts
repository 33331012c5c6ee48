// Consent and missing refresh tokens (issue 15.4), with real `credshare` processes against a
// real oidc-provider that gives a refresh token for offline_access only with prompt=consent
// (OpenID Connect Core §11; the provider's own default, the `offline-consent` behaviour).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { EmbeddedIssuer, authorizeInBrowser } from '../../src/issuer/embedded-issuer';
import { runCli, startCli } from '../support/processes';
import { authorizationUrlOf, emptyHome } from './login-helpers';

async function setup(t: { after(fn: () => Promise<void> | void): void }) {
  const issuer = await EmbeddedIssuer.start({ accessTokenTtlSeconds: 3600, behaviours: { offlineAccessNeedsConsent: true } });
  const home = emptyHome();
  t.after(async () => { await issuer.stop(); home.remove(); });
  return { issuer, home, first: ['--issuer', issuer.url, '--client-id', issuer.clientId] };
}

/** `credshare login --browser` answered through the provider's own pages; the URL it opened and the result. */
async function browserLogin(env: NodeJS.ProcessEnv, args: string[]) {
  const cli = startCli(['login', '--browser', '--no-open', ...args], env);
  const url = await authorizationUrlOf(cli);
  await fetch(await authorizeInBrowser(url.href, 'alice'));
  return { url, result: await cli.done };
}

test('offline_access without consent: login says at once there is no refresh token, until when, and what to try; status and doctor keep saying it; the refresh path says sign in again', { timeout: 60_000 }, async (t) => {
  const { home, first } = await setup(t);
  const { url, result } = await browserLogin(home.env, first);
  assert.equal(url.searchParams.get('prompt'), null, 'no prompt unless the profile asks for one');
  assert.equal(result.code, 0, result.stderr);
  t.diagnostic(`login: ${result.stderr.split('\n').filter((l) => l.startsWith('Note')).join(' ')}`);
  assert.equal(home.session()!.refreshToken, '', 'the issuer really gave none');
  assert.match(result.stderr, /Note: http:\/\/127\.0\.0\.1:\d+ gave no refresh token, although the sign-in asked for offline access, so this sign-in ends with its access token, which expires at \d{4}-\d\d-\d\dT[\d:.]+Z \(in [^)]+\); then run `credshare login` again\. Many issuers grant offline_access only when the sign-in asks for consent \(OpenID Connect Core section 11\): run `credshare login --prompt consent`\. If that does not help, ask the issuer's administrator to allow refresh tokens \(offline access, the refresh_token grant\) for client credshare-cli\./);

  const status = await runCli(['status'], home.env);
  assert.equal(status.code, 0);
  assert.match(status.stdout, /^Refresh: +none\. .* gave no refresh token.*`credshare login --prompt consent`/m);
  const doctor = await runCli(['doctor'], home.env);
  assert.equal(doctor.code, 1, 'doctor counts it as a problem: offline access was asked for');
  assert.match(doctor.stdout, /^Refresh +.* gave no refresh token.*!! the sign-in asked for offline access and got no refresh token/m);

  // Once the access token runs out: exit 3 and the same advice, never a confusing error.
  const credentials = path.join(home.home, 'credentials.json');
  const file = JSON.parse(fs.readFileSync(credentials, 'utf8'));
  file.sessions.default.expiresAt = Date.now() - 5000;
  fs.writeFileSync(credentials, JSON.stringify(file), { mode: 0o600 });
  const token = await runCli(['token'], home.env);
  t.diagnostic(`token: exit ${token.code}: ${token.stderr.trim()}`);
  assert.equal(token.code, 3);
  assert.match(token.stderr, /The access token of profile "default" expired at .* \(\d+s ago\), and http:\/\/127\.0\.0\.1:\d+ gave no refresh token at sign-in, so credshare cannot renew it\. Sign in again: run `credshare login`\. Many issuers grant offline_access only .* `credshare login --prompt consent`/);
});

test('login --prompt consent: the authorization request carries it, the issuer gives a refresh token, and the profile keeps it', { timeout: 60_000 }, async (t) => {
  const { issuer, home, first } = await setup(t);
  const { url, result } = await browserLogin(home.env, [...first, '--prompt', 'consent', '--authorization-param', 'access_type=offline']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(url.searchParams.get('prompt'), 'consent');
  assert.equal(url.searchParams.get('access_type'), 'offline');
  assert.doesNotMatch(result.stderr, /no refresh token/);
  const session = home.session()!;
  assert.equal(await issuer.isRefreshTokenUsable(session.refreshToken), true);
  assert.deepEqual([home.config().profiles.default.prompt, home.config().profiles.default.authorizationParameters], ['consent', { access_type: 'offline' }]);
  // The next login keeps them; doctor shows them and finds nothing wrong with the session.
  const again = await browserLogin(home.env, []);
  assert.equal(again.url.searchParams.get('prompt'), 'consent');
  const doctor = await runCli(['doctor'], home.env);
  assert.match(doctor.stdout, /prompt consent, authorization parameters access_type=offline/);
  assert.doesNotMatch(doctor.stdout, /^Refresh .*(none|no refresh token|gave no)/m, 'the Refresh row is the margin only, not a missing refresh token');
  assert.match(doctor.stdout, /^Refresh +\d+m \d+s before expiry/m);
  // --prompt "" removes it.
  const cleared = await browserLogin(home.env, ['--prompt', '']);
  assert.equal(cleared.url.searchParams.get('prompt'), null);
  assert.equal(home.config().profiles.default.prompt, undefined);
});

test('--prompt and --authorization-param are checked: usage errors naming what is allowed, and nothing is stored', { timeout: 30_000 }, async (t) => {
  const { home, first } = await setup(t);
  const bad = await runCli(['login', ...first, '--prompt', 'consent always'], home.env);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--prompt has "always", which OpenID Connect does not define \(use one or more of none, login, consent, select_account, create, separated by spaces\)/);
  const alone = await runCli(['login', ...first, '--prompt', 'none consent'], home.env);
  assert.equal(alone.code, 2);
  assert.match(alone.stderr, /"none" must be alone/);
  const own = await runCli(['login', ...first, '--authorization-param', 'redirect_uri=https://evil.example'], home.env);
  assert.equal(own.code, 2);
  assert.match(own.stderr, /--authorization-param may not set "redirect_uri": credshare sets it itself/);
  const shape = await runCli(['login', ...first, '--authorization-param', 'access_type'], home.env);
  assert.equal(shape.code, 2);
  assert.match(shape.stderr, /takes NAME=VALUE/);
  assert.equal(fs.existsSync(path.join(home.home, 'config.json')), false);
});
