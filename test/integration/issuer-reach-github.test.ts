// GitHub's token endpoint answers errors with HTTP 200 and the error in the body
// (authorization_pending while a device code waits). The embedded issuer answers them with
// 400, as the spec says; an injected fetch turns them into GitHub's 200s, since GitHub
// itself cannot run here.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { FetchLike } from '../../src/core/oauth/http';
import { loadIssuerMetadata } from '../../src/core/oauth/metadata';
import { pollDeviceAuthorization, startDeviceAuthorization } from '../../src/core/oauth/device-code';
import { EmbeddedIssuer, approveDeviceCode } from '../../src/issuer/embedded-issuer';

test('the device flow keeps polling through authorization_pending answered with HTTP 200, and signs in', { timeout: 60_000 }, async (t) => {
  const issuer = await EmbeddedIssuer.start();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-github-'));
  t.after(async () => { await issuer.stop(); fs.rmSync(home, { recursive: true, force: true }); });
  const rewritten: string[] = [];
  const githubLike: FetchLike = async (url, init) => {
    const real = await fetch(url, init);
    if (!url.endsWith('/token') || real.status !== 400) return real;
    const body = await real.text();
    rewritten.push(JSON.parse(body).error);
    return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
  };
  const io = { timeoutMs: 5000, fetch: githubLike };
  const { as } = await loadIssuerMetadata(new URL(issuer.url), { ...io, home });
  const target = { as, client: { client_id: issuer.clientId }, issuer: new URL(issuer.url), io };
  const device = await startDeviceAuthorization(target, ['openid', 'offline_access']);
  const polling = pollDeviceAuthorization(target, device, () => {});
  while (rewritten.length < 2) await new Promise((resolve) => setTimeout(resolve, 50));
  await approveDeviceCode(issuer.url, device.user_code, 'alice');
  const { tokens } = await polling;
  assert.equal(typeof tokens.refresh_token, 'string');
  assert.deepEqual([...new Set(rewritten)], ['authorization_pending'], 'it kept polling through 200 answers');
});
