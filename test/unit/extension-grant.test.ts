// Issue 16.6, written as the attack: an extension asks VS Code for a scope the profile does
// not sign in for; afterwards a build tool asks a credential helper for a token, and the
// issuer's introspection says what that token can do. It must carry only the profile's
// scopes, also at an issuer that ignores `scope` on refresh (it cannot narrow). The real
// CredentialBackend, SignInFlow and authentication provider, with the few `vscode` API calls
// they make answered by test/support/fake-vscode.ts (the real API exists only inside VS
// Code); a real oidc-provider; the helper and `credshare token` are real CLI processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fakeLog, fakeVscode, installFakeVscode, useCredshareHome } from '../support/fake-vscode';
import { RecentSignIns } from '../../src/extension/join-recent';
import { fault } from '../support/fault-report';
import { runCli } from '../support/processes';
import { introspect, signedInWithGrant, sortedWords } from '../support/scoped-home';

installFakeVscode();

const settings = {
  store: 'shared', profile: '', issuer: '', clientId: '', signInFlow: 'browser' as const, terminalEnabled: true, onDidChange: () => ({ dispose: () => {} }),
};

for (const [name, behaviours] of [['a narrowing issuer', {}], ['an issuer that ignores scope on refresh', { ignoreRefreshScope: true }]] as const) {
  test(`an extension's wider scope set never reaches a build tool: the helper's token carries only the profile's scopes (${name})`, { timeout: 90_000 }, async (t) => {
    const { authorizeInBrowser } = await import('../../src/issuer/embedded-issuer');
    const { CredentialBackend } = await import('../../src/extension/backend');
    const { SignInFlow } = await import('../../src/extension/sign-in');
    const { CredshareAuthenticationProvider } = await import('../../src/extension/auth-provider');
    const { issuer, home } = await signedInWithGrant(t, 'openid offline_access', behaviours, ['artifacts.example.com']);
    useCredshareHome(t, home.paths.home);
    const opened: URL[] = [];
    fakeVscode.browser = async (url) => { opened.push(new URL(url)); void authorizeInBrowser(url, 'alice').then((redirect) => fetch(redirect)).catch(() => undefined); };
    const globalStorage = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-global-storage-'));
    t.after(() => fs.rmSync(globalStorage, { recursive: true, force: true }));
    const log = fakeLog();
    const backend = new CredentialBackend({ secrets: undefined, globalStorageUri: { fsPath: globalStorage } } as never, settings as never, log as never);
    t.after(() => backend.dispose());
    const recent = new RecentSignIns();
    const flow = new SignInFlow(backend, settings as never, recent, log as never);
    const provider = new CredshareAuthenticationProvider(backend, (scopes, options) => flow.run(scopes, options), recent, log as never);
    t.after(() => provider.dispose());
    const grantBefore = home.readSession()!;

    await fault({ id: `security/extension-scopes-to-tools${'ignoreRefreshScope' in behaviours ? '-non-narrowing' : ''}`, area: 'security',
      fault: `an extension asks VS Code for scopes "openid email" beyond the profile's "openid offline_access" (${name}); then a build tool asks the Bazel helper`,
      expected: 'the extension gets a token with email; the helper\'s token carries only the profile\'s scopes at the issuer\'s introspection; `credshare token --scope "openid email"` exits 3; config.json keeps the profile\'s scopes',
      file: __filename }, async (tally) => {
      tally.tries++;
      assert.deepEqual(await provider.getSessions(['openid', 'email']), [], 'the profile\'s grant lacks email: VS Code is told to sign in');
      const extension = await provider.createSession(['openid', 'email']);
      assert.ok(extension.scopes.includes('email'), `the session says it carries email: ${extension.scopes.join(' ')}`);
      assert.match((await introspect(issuer, extension.accessToken)).scope ?? '', /\bemail\b/, 'the extension\'s token carries email');

      const helper = await runCli(['helper', '--protocol', 'bazel', 'get'], home.env, JSON.stringify({ uri: 'https://artifacts.example.com/repo/x.jar' }));
      tally.calls(helper);
      assert.equal(helper.code, 0, helper.stderr);
      const authorization = (JSON.parse(helper.stdout) as { headers: { Authorization?: string[] } }).headers.Authorization?.[0] ?? '';
      const tool = await introspect(issuer, authorization.replace(/^Bearer /, ''));
      t.diagnostic(`the extension's token carries "${(await introspect(issuer, extension.accessToken)).scope}"; the helper's "${tool.scope}"`);
      assert.equal(tool.active, true);
      if (/\bemail\b/.test(tool.scope ?? '')) tally.dataLost++;
      assert.equal(sortedWords(tool.scope), 'offline_access openid', 'the build tool\'s token carries only the profile\'s scopes');

      assert.equal(opened.length, 1, 'one sign-in');
      assert.equal(opened[0]!.searchParams.get('login_hint'), 'alice@example.test', 'as the profile\'s account');
      const token = await runCli(['token', '--scope', 'openid email'], home.env);
      assert.equal(token.code, 3, '`credshare token` never gets the extension\'s scopes either');
      const config = JSON.parse(fs.readFileSync(home.paths.config, 'utf8'));
      assert.deepEqual(config.profiles.default.scopes, ['openid', 'offline_access'], 'the profile\'s scopes are not widened');
      const grant = home.readSession()!;
      assert.equal(grant.account.id, grantBefore.account.id);
      assert.equal(sortedWords(grant.scope), 'offline_access openid', 'the profile\'s grant is its own sign-in, untouched by the extension\'s');
    });

    // The extension keeps its session with no new sign-in; a set the profile holds is served by the profile's grant.
    const again = await provider.getSessions(['openid', 'email']);
    assert.equal(again.length, 1);
    assert.equal((await provider.getSessions(['openid'])).length, 1);
    assert.equal(opened.length, 1);
    const status = await runCli(['status'], home.env);
    assert.match(status.stdout, /^Extensions: VS Code extensions' own sign-in for scope "[^"]*email[^"]*" \(build tools never get it\)$/m);
    // Signing out of the profile signs the extensions' grant out too, revoked at the issuer.
    const extensionsGrant = home.readSession('default#extensions')!;
    const logout = await runCli(['logout'], home.env);
    assert.equal(logout.code, 0, logout.stderr);
    assert.match(logout.stdout, /Signed out of the VS Code extensions' own sign-in of profile "default" too\. Revoked the refresh token at /);
    assert.equal(home.readSession('default#extensions'), undefined);
    assert.equal(await issuer.isRefreshTokenUsable(extensionsGrant.refreshToken), false);
  });
}
