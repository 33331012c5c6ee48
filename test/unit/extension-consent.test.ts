// Issue 15.4: the VS Code extension's sign-in uses the profile's `prompt` (and authorization
// parameters) as `credshare login` does. The real CredentialBackend and SignInFlow, with the
// few `vscode` API calls they make answered by test/support/fake-vscode.ts (the real API
// exists only inside VS Code), against a real oidc-provider that gives a refresh token for
// offline_access only with prompt=consent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fakeLog, fakeVscode, installFakeVscode, useCredshareHome } from '../support/fake-vscode';
import { RecentSignIns } from '../../src/extension/join-recent';
import { makeHome } from '../support/home';

installFakeVscode();

test('the extension\'s sign-in sends the profile\'s prompt and authorization parameters, and so gets a refresh token where consent is needed', { timeout: 60_000 }, async (t) => {
  const { EmbeddedIssuer, authorizeInBrowser } = await import('../../src/issuer/embedded-issuer');
  const { CredentialBackend } = await import('../../src/extension/backend');
  const { SignInFlow } = await import('../../src/extension/sign-in');
  const issuer = await EmbeddedIssuer.start({ accessTokenTtlSeconds: 3600, behaviours: { offlineAccessNeedsConsent: true } });
  const home = makeHome({ issuer: issuer.url, clientId: issuer.clientId });
  t.after(async () => { await issuer.stop(); home.remove(); });
  const config = JSON.parse(fs.readFileSync(home.paths.config, 'utf8'));
  Object.assign(config.profiles.default, { prompt: 'consent', authorizationParameters: { access_type: 'offline' } });
  fs.writeFileSync(home.paths.config, JSON.stringify(config));
  useCredshareHome(t, home.paths.home);
  const opened: URL[] = [];
  fakeVscode.browser = async (url) => { opened.push(new URL(url)); void authorizeInBrowser(url, 'alice').then((redirect) => fetch(redirect)).catch(() => undefined); };
  const globalStorage = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-global-storage-'));
  t.after(() => fs.rmSync(globalStorage, { recursive: true, force: true }));
  const settings = { store: 'shared', profile: '', issuer: '', clientId: '', signInFlow: 'browser', terminalEnabled: true, onDidChange: () => ({ dispose: () => {} }) };
  const log = fakeLog();
  const backend = new CredentialBackend({ secrets: undefined, globalStorageUri: { fsPath: globalStorage } } as never, settings as never, log as never);
  t.after(() => backend.dispose());
  const { session } = await new SignInFlow(backend, settings as never, new RecentSignIns(), log as never).run([]);
  assert.equal(opened.length, 1);
  assert.equal(opened[0]!.searchParams.get('prompt'), 'consent');
  assert.equal(opened[0]!.searchParams.get('access_type'), 'offline');
  assert.equal(await issuer.isRefreshTokenUsable(session.refreshToken), true, 'the issuer gave a refresh token');
});
