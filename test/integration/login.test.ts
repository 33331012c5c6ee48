// `credshare login` end to end: a real oidc-provider on loopback, real CLI processes,
// and the provider's own login, consent and device pages answered over HTTP.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { EmbeddedIssuer, approveDeviceCode, authorizeInBrowser } from '../../src/issuer/embedded-issuer';
import { runCli, startCli } from '../support/processes';
import { assertNoSecrets, authorizationUrlOf, deviceCodeOf, emptyHome } from './login-helpers';

async function setup(t: { after(fn: () => Promise<void> | void): void }) {
  const issuer = await EmbeddedIssuer.start({ accessTokenTtlSeconds: 300 });
  const home = emptyHome();
  t.after(async () => { await issuer.stop(); home.remove(); });
  return { issuer, home, first: ['--issuer', issuer.url, '--client-id', issuer.clientId] };
}

test('signs in with the browser flow through the provider\'s own login and consent pages', { timeout: 60_000 }, async (t) => {
  const { issuer, home, first } = await setup(t);
  const cli = startCli(['login', '--browser', '--no-open', ...first, '--host', 'Artifacts.Example.com', '--host', '*.internal.example.com'], home.env);
  const url = await authorizationUrlOf(cli);
  assert.equal(url.origin, issuer.url);
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  assert.match(url.searchParams.get('code_challenge')!, /^[\w-]{43}$/);
  assert.match(url.searchParams.get('state')!, /^[\w-]{40,}$/);
  const redirectUri = new URL(url.searchParams.get('redirect_uri')!);
  assert.equal(redirectUri.hostname, '127.0.0.1');
  assert.notEqual(redirectUri.port, '');

  // The provider's pages: login as bob, consent; the redirect lands on the CLI's listener.
  const redirect = await authorizeInBrowser(url.href, 'bob');
  assert.equal(`${redirect.origin}${redirect.pathname}`, redirectUri.href);
  const page = await fetch(redirect);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /data-outcome="success"/);
  const result = await cli.done;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Signed in to profile "default" as bob@example\.test \(Bob Example, bob\)/);

  const session = home.session()!;
  // The label is a stable identifier (the email here: no preferred_username); the display name beside it.
  assert.deepEqual(session.account, { id: 'bob', label: 'bob@example.test', name: 'Bob Example' });
  assert.equal(await issuer.isAccessTokenValid(session.accessToken), true);
  assert.equal(await issuer.isRefreshTokenUsable(session.refreshToken), true);
  assert.ok(session.idToken);
  assert.equal(home.config().profiles.default.issuer, issuer.url);
  assert.deepEqual(home.config().profiles.default.hosts, ['artifacts.example.com', '*.internal.example.com']);
  assert.equal(fs.statSync(home.home).mode & 0o777, 0o700);
  assert.equal(fs.statSync(path.join(home.home, 'credentials.json')).mode & 0o777, 0o600);
  assertNoSecrets(result.stdout + result.stderr, session);

  const status = await runCli(['status'], home.env);
  assert.equal(status.code, 0);
  assert.match(status.stdout, /Account: +bob@example\.test \(Bob Example, bob\)/);
});

test('signs in with the device flow approved on the provider\'s device pages; a later login reuses the profile', { timeout: 60_000 }, async (t) => {
  const { issuer, home, first } = await setup(t);
  const cli = startCli(['login', '--device', ...first, '--scope', 'openid offline_access', '--scope', 'email'], home.env);
  const code = await deviceCodeOf(cli);
  assert.match(cli.stderr, new RegExp(`open ${issuer.url}/device `));
  await approveDeviceCode(issuer.url, code, 'carol');
  const result = await cli.done;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /as carol@example\.test \(Carol Example, carol\)/);
  const firstSession = home.session()!;
  assert.equal(await issuer.isRefreshTokenUsable(firstSession.refreshToken), true);
  assert.deepEqual(home.config().profiles.default.scopes, ['openid', 'offline_access', 'email']);

  // A field this version does not know survives the next login.
  const config = home.config();
  config.profiles.default.team = 'platform';
  config.futureSetting = true;
  fs.writeFileSync(path.join(home.home, 'config.json'), JSON.stringify(config));
  // No flags: the stored profile; no terminal here, so the device flow is chosen by itself.
  const again = startCli(['login'], home.env);
  await approveDeviceCode(issuer.url, await deviceCodeOf(again), 'dave');
  const second = await again.done;
  assert.equal(second.code, 0, second.stderr);
  assert.equal(home.session()!.account.id, 'dave');
  assert.equal(home.config().profiles.default.team, 'platform');
  assert.equal(home.config().futureSetting, true);
  assert.equal(issuer.stats().otherTokenRequests >= 2, true);
});

test('profiles lists every profile, the selected and default one, who is signed in, and no secrets', { timeout: 60_000 }, async (t) => {
  const { issuer, home, first } = await setup(t);
  const cli = startCli(['login', '--device', ...first, '--profile', 'work', '--host', 'git.example.com'], home.env);
  await approveDeviceCode(issuer.url, await deviceCodeOf(cli), 'erin');
  assert.equal((await cli.done).code, 0);
  // A cancelled login creates no profile (nothing changes on disk before a session is stored)...
  const other = startCli(['login', '--device', ...first, '--profile', 'play', '--set-default', '--timeout', '1'], home.env);
  await deviceCodeOf(other);
  other.child.kill('SIGINT');
  const cancelled = await other.done;
  assert.equal(cancelled.code, 1);
  assert.match(cancelled.stderr, /cancelled; nothing was stored/);
  assert.deepEqual(Object.keys(home.config().profiles), ['work']);
  // ...so a second profile, never signed in, is written by hand, and made the default.
  const config = home.config();
  config.profiles.play = { ...config.profiles.work, hosts: [] };
  config.defaultProfile = 'play';
  fs.writeFileSync(path.join(home.home, 'config.json'), JSON.stringify(config));

  const listed = await runCli(['profiles'], home.env);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^\* play \(default\)$/m);
  assert.match(listed.stdout, /^ {2}work$/m);
  assert.match(listed.stdout, /session: +signed in as erin@example\.test, token valid for/);
  assert.match(listed.stdout, /session: +signed out/);
  assertNoSecrets(listed.stdout, home.session('work'));
  const json = JSON.parse((await runCli(['profiles', '--json'], { ...home.env, CREDSHARE_PROFILE: 'work' })).stdout);
  assert.equal(json.selected, 'work');
  assert.deepEqual(json.profiles.map((p: { name: string; signedIn: boolean }) => [p.name, p.signedIn]), [['work', true], ['play', false]]);
  // --profile and CREDSHARE_PROFILE pick the profile for the other commands.
  assert.equal((await runCli(['status'], home.env)).code, 3);
  assert.equal((await runCli(['status', '--profile', 'work'], home.env)).code, 0);
  assert.equal((await runCli(['status'], { ...home.env, CREDSHARE_PROFILE: 'work' })).code, 0);
});

test('opens the URL in $BROWSER, which completes the sign-in by itself', { timeout: 60_000 }, async (t) => {
  const { issuer, home, first } = await setup(t);
  // A stand-in browser: follows the URL through the issuer's pages, then to the redirect.
  const browser = path.join(path.dirname(home.home), 'fake-browser');
  fs.writeFileSync(browser, `#!${process.execPath}
fetch(${JSON.stringify(`${issuer.adminUrl}/authorize`)}, { method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ authorizationUrl: process.argv[2], accountId: 'frank' }) })
  .then((r) => r.json()).then((b) => fetch(b.redirectUrl)).then((r) => process.exit(r.ok ? 0 : 1));
`, { mode: 0o755 });
  const result = await runCli(['login', '--browser', ...first], { ...home.env, BROWSER: browser });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(home.session()!.account.id, 'frank');
  assert.match(result.stderr, /open this URL in a browser/);
});

test('gives up on a browser that never comes back, and stores nothing', { timeout: 30_000 }, async (t) => {
  const { home, first } = await setup(t);
  const result = await runCli(['login', '--browser', '--no-open', '--timeout', '1', ...first], home.env);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /No answer from the browser within 1s \(waiting on http:\/\/127\.0\.0\.1:\d+\/callback\)/);
  assert.equal(home.session(), undefined);
});

test('every command has --help, and login without an issuer for a new profile is a usage error', async (t) => {
  const { home } = await setup(t);
  for (const command of ['login', 'logout', 'profiles', 'doctor', 'status', 'token', 'helper']) {
    const help = await runCli([command, '--help'], home.env);
    assert.equal(help.code, 0, command);
    assert.match(help.stdout, new RegExp(`^Usage: credshare ${command}`), command);
  }
  const bare = await runCli(['login'], home.env);
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /No profile "default" in .*config\.json yet: give --issuer URL and --client-id ID/);
  assert.equal((await runCli(['login', '--device', '--browser', '--issuer', 'https://x.example', '--client-id', 'c'], home.env)).code, 2);
  assert.equal((await runCli(['login', '--issuer', 'https://x.example', '--client-id', 'c', '--host', 'https://x.example/path'], home.env)).code, 2);
});

test('pointing a profile at another issuer replaces the session and the profile together, once the new sign-in succeeded', { timeout: 60_000 }, async (t) => {
  const { issuer, home, first } = await setup(t);
  const cli = startCli(['login', '--device', ...first, '--host', 'artifacts.example.com'], home.env);
  await approveDeviceCode(issuer.url, await deviceCodeOf(cli), 'kim');
  assert.equal((await cli.done).code, 0);
  const old = home.session()!;
  const other = await EmbeddedIssuer.start();
  t.after(() => other.stop());
  const moved = startCli(['login', '--device', '--issuer', other.url, '--client-id', other.clientId], home.env);
  await approveDeviceCode(other.url, await deviceCodeOf(moved), 'lee');
  const result = await moved.done;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, new RegExp(`Replaced the session of ${issuer.url} \\(client credshare-cli\\): profile "default" now uses ${other.url}`));
  assert.equal(home.session()!.account.id, 'lee', 'the old refresh token can never reach the new issuer');
  assert.equal(await other.isRefreshTokenUsable(home.session()!.refreshToken), true);
  assert.equal(home.config().profiles.default.issuer, other.url);
  assert.deepEqual(home.config().profiles.default.hosts, ['artifacts.example.com'], 'unchanged settings are kept');
  assert.equal(await issuer.isRefreshTokenUsable(old.refreshToken), true, 'replaced here, not revoked: it was a switch, not a sign-out');
});
