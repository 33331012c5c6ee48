// The OAuth flows of src/core/oauth as the extension will use them: in-process, with
// injected "open this URL" / "show this code" functions, an AbortSignal and, where a
// server behaviour the provider never shows is needed (slow_down), an injected fetch.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import * as oauth from 'oauth4webapi';
import { signInWithBrowser } from '../../src/core/oauth/auth-code';
import { pollDeviceAuthorization, startDeviceAuthorization, type DeviceFlowTarget } from '../../src/core/oauth/device-code';
import type { FetchLike } from '../../src/core/oauth/http';
import { loadIssuerMetadata } from '../../src/core/oauth/metadata';
import { signIn } from '../../src/core/oauth/sign-in';
import { EmbeddedIssuer, approveDeviceCode, authorizeInBrowser } from '../../src/issuer/embedded-issuer';

const SCOPES = ['openid', 'offline_access'];

async function setup(t: { after(fn: () => Promise<void> | void): void }, fetch?: FetchLike) {
  const issuer = await EmbeddedIssuer.start();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-flows-'));
  t.after(async () => { await issuer.stop(); fs.rmSync(home, { recursive: true, force: true }); });
  const url = new URL(issuer.url);
  const io = { timeoutMs: 5000, ...(fetch ? { fetch } : {}) };
  const { as } = await loadIssuerMetadata(url, { ...io, home });
  const target: DeviceFlowTarget = { as, client: { client_id: issuer.clientId }, issuer: url, io };
  return { issuer, home, url, io, as, target };
}

/** A fetch that lets `rewrite` replace the issuer's answer to token-endpoint polls. */
function pollRewriter(rewrite: (poll: number, real: Response) => Promise<Response> | Response) {
  const polls: number[] = [];
  const fetchImpl: FetchLike = async (url, init) => {
    const real = await fetch(url, init);
    const body = init.body instanceof URLSearchParams ? init.body : new URLSearchParams(String(init.body ?? ''));
    if (!url.endsWith('/token') || !body.get('device_code')) return real;
    polls.push(Date.now());
    return rewrite(polls.length, real);
  };
  return { polls, fetch: fetchImpl };
}

const slowDown = () => new Response(JSON.stringify({ error: 'slow_down' }), { status: 400, headers: { 'content-type': 'application/json' } });

test('the device flow polls at the server\'s interval and adds 5 s after slow_down', { timeout: 60_000 }, async (t) => {
  const rewriter = pollRewriter((poll, real) => (poll === 1 ? slowDown() : real));
  const { issuer, target } = await setup(t, rewriter.fetch);
  const device = await startDeviceAuthorization(target, SCOPES);
  assert.equal(device.interval, 1);
  const started = Date.now();
  let shown = '';
  const tokens = pollDeviceAuthorization(target, device, (prompt) => { shown = prompt.userCode; });
  assert.equal(shown, device.user_code, 'the code is shown before polling starts');
  while (rewriter.polls.length < 2) await new Promise((r) => setTimeout(r, 50));
  await approveDeviceCode(issuer.url, device.user_code, 'gina');
  const { tokens: result } = await tokens;
  assert.equal(oauth.getValidatedIdTokenClaims(result)?.sub, 'gina');
  const [first, second, third] = rewriter.polls.map((at) => at - started);
  t.diagnostic(`polls at ${rewriter.polls.map((at) => at - started).join(', ')} ms`);
  assert.ok(first! >= 950, `first poll after the 1 s interval (${first} ms)`);
  assert.ok(second! - first! >= 5950, `slow_down: 1 + 5 s before the next poll (${second! - first!} ms)`);
  assert.ok(third! - second! >= 5950, `the slower interval sticks (${third! - second!} ms)`);
});

test('the device flow stops at the code\'s expiry', { timeout: 30_000 }, async (t) => {
  const { target } = await setup(t);
  const device = await startDeviceAuthorization(target, SCOPES);
  const started = Date.now();
  await assert.rejects(pollDeviceAuthorization(target, { ...device, expires_in: 2 }, () => {}), { code: 'SIGN_IN_FAILED', message: /expired before it was approved/ });
  const took = Date.now() - started;
  assert.ok(took >= 1900 && took < 10_000, `gave up at expiry (${took} ms), not at the test's timeout`);
});

test('the device flow stops when its AbortSignal fires', { timeout: 30_000 }, async (t) => {
  const { target } = await setup(t);
  const device = await startDeviceAuthorization(target, SCOPES);
  const cancel = new AbortController();
  const polling = pollDeviceAuthorization({ ...target, io: { ...target.io, signal: cancel.signal } }, device, () => {});
  setTimeout(() => cancel.abort(), 300);
  const started = Date.now();
  await assert.rejects(polling, { name: 'AbortError' });
  assert.ok(Date.now() - started < 5000, 'stopped by the signal, not by the code\'s expiry');
});

test('the browser flow hands its URL to the injected opener and redeems the redirect', { timeout: 30_000 }, async (t) => {
  const { as, url, io, issuer } = await setup(t);
  let redirectUri = '';
  const { tokens } = await signInWithBrowser({
    as, client: { client_id: issuer.clientId }, issuer: url, scopes: SCOPES, io, timeoutMs: 10_000,
    openUrl: async (authorizationUrl, uri) => {
      redirectUri = uri;
      // Like a browser: in the background, while the flow waits for the redirect.
      void authorizeInBrowser(authorizationUrl, 'hank').then((redirect) => fetch(redirect));
    },
  });
  assert.match(redirectUri, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
  assert.equal(oauth.getValidatedIdTokenClaims(tokens)?.name, 'Hank Example');
  assert.ok(tokens.refresh_token);
});

test('signIn falls back to the flow the issuer offers, unless the user forced one; an abort is a cancellation', { timeout: 30_000 }, async (t) => {
  const { issuer, home, io } = await setup(t);
  const profile = { name: 'default', issuer: issuer.url, clientId: issuer.clientId, scopes: SCOPES, hosts: [], refreshToleranceSeconds: 60 };
  const metadata = await loadIssuerMetadata(new URL(issuer.url), { ...io, home });
  const withoutDevice = { ...metadata, as: { ...metadata.as, device_authorization_endpoint: undefined } };
  const cancel = new AbortController();
  const base = { profile, home, io: { ...io, signal: cancel.signal }, browserTimeoutMs: 10_000, showCode: () => {} };
  await assert.rejects(signIn({ ...base, flow: 'device', forced: true, metadata: withoutDevice, openUrl: () => {} }),
    { code: 'SIGN_IN_FAILED', message: /does not offer device authorization \(RFC 8628\); use --browser/ });
  const fellBack = signIn({ ...base, flow: 'device', forced: false, metadata: withoutDevice, openUrl: () => { cancel.abort(); } });
  await assert.rejects(fellBack, { code: 'SIGN_IN_CANCELLED' });
});
