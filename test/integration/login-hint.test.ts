// forceNewSession's login hint (the extension passes the account label): the core sign-in sends
// OpenID Connect `login_hint` with the browser flow and the device authorization request, and
// the real provider accepts both.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { DEFAULT_TOLERANCE_SECONDS, type Profile } from '../../src/core/profile';
import { signIn } from '../../src/core/oauth/sign-in';
import { EmbeddedIssuer, approveDeviceCode, authorizeInBrowser } from '../../src/issuer/embedded-issuer';

async function setup(t: { after(fn: () => Promise<void> | void): void }) {
  const issuer = await EmbeddedIssuer.start();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-hint-'));
  t.after(async () => { await issuer.stop(); fs.rmSync(home, { recursive: true, force: true }); });
  const profile: Profile = { name: 'default', issuer: issuer.url, clientId: issuer.clientId, scopes: ['openid', 'offline_access'], hosts: [], refreshToleranceSeconds: DEFAULT_TOLERANCE_SECONDS };
  return { issuer, home, profile, io: { timeoutMs: 5000 } };
}

test('the browser flow sends the login hint in the authorization request', { timeout: 30_000 }, async (t) => {
  const { home, profile, io } = await setup(t);
  let sent: URL | undefined;
  const result = await signIn({
    profile, home, flow: 'browser', forced: true, io, browserTimeoutMs: 10_000, showCode: () => {}, loginHint: 'ivy@example.test',
    openUrl: (authorizationUrl) => {
      sent = new URL(authorizationUrl);
      void authorizeInBrowser(authorizationUrl, 'ivy').then((redirect) => fetch(redirect));
    },
  });
  assert.equal(sent?.searchParams.get('login_hint'), 'ivy@example.test');
  assert.equal(result.session.account.label, 'ivy@example.test');
});

test('the device flow sends the login hint in the device authorization request, and the provider accepts it', { timeout: 30_000 }, async (t) => {
  const { issuer, home, profile } = await setup(t);
  const bodies: string[] = [];
  const io = {
    timeoutMs: 5000,
    fetch: async (url: string, init: RequestInit) => {
      if (url.endsWith('/device/auth')) bodies.push(String(init.body));
      return fetch(url, init);
    },
  };
  const result = await signIn({
    profile, home, flow: 'device', forced: true, io, browserTimeoutMs: 10_000, openUrl: () => {}, loginHint: 'jo@example.test',
    showCode: (prompt) => void approveDeviceCode(issuer.url, prompt.userCode, 'jo'),
  });
  assert.equal(new URLSearchParams(bodies[0]).get('login_hint'), 'jo@example.test');
  assert.equal(result.session.account.id, 'jo');
});
