import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { startCli, type Finished } from '../../support/processes';
import { deviceCodeOf, emptyHome } from '../../integration/login-helpers';
import { PUBLIC_CLIENT_ID, USER } from './admin';
import { launchUserBrowser, type UserBrowser } from './approve';
import { missingPieces } from './install';
import { startGlewlwyd, type Glewlwyd, type GlewlwydOptions } from './server';

/**
 * Access token lifetime at glewlwyd: short, so a test can let the signed-in token really expire,
 * and well under credshare's default tolerance (300 s), as Keycloak's 5 minutes are.
 */
export const ACCESS_TOKEN_SECONDS = 30;

/**
 * Why the glewlwyd tests skip here, or undefined to run them. On a developer machine without the
 * packages they skip; CI sets CREDSHARE_REQUIRE_GLEWLWYD=1, so a missing package fails the run
 * instead of passing it unseen.
 */
export function skipUnlessInstalled(): string | undefined {
  const missing = missingPieces();
  if (missing && process.env.CREDSHARE_REQUIRE_GLEWLWYD === '1') throw new Error(`CREDSHARE_REQUIRE_GLEWLWYD=1 but ${missing}`);
  return missing;
}

export type Home = ReturnType<typeof emptyHome>;

/** A scratch glewlwyd, an empty credshare home and a person's browser, all removed after the test. */
export async function scratch(t: TestContext, options: Partial<GlewlwydOptions> = {}): Promise<{ server: Glewlwyd; home: Home; browser: UserBrowser }> {
  const server = await startGlewlwyd({ accessTokenSeconds: ACCESS_TOKEN_SECONDS, ...options });
  t.after(() => server.stop());
  const home = emptyHome();
  t.after(() => home.remove());
  const browser = await launchUserBrowser();
  t.after(() => browser.close());
  return { server, home, browser };
}

/** Signs in with `credshare login --device`, approving the code in glewlwyd's own pages. */
export async function signIn(server: Glewlwyd, home: Home, browser: UserBrowser, client: string[] = ['--client-id', PUBLIC_CLIENT_ID], input?: string): Promise<Finished> {
  const cli = startCli(['login', '--device', '--no-open', '--issuer', server.issuer, ...client], home.env, input);
  const code = await deviceCodeOf(cli);
  const uri = (await cli.waitForStderr(/open (http\S+) on any device/))[1]!;
  await browser.approveDeviceCode(uri, code, USER);
  return cli.done;
}

/** glewlwyd's answer to an access token at its userinfo endpoint. */
export async function userinfo(server: Glewlwyd, accessToken: string): Promise<number> {
  const res = await fetch(`${server.issuer}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
  return res.status;
}

/** Presents a refresh token at glewlwyd's token endpoint directly (as a thief, or the test, would). */
export async function presentRefreshToken(server: Glewlwyd, refreshToken: string, client = { id: PUBLIC_CLIENT_ID, secret: '' }): Promise<{ status: number; body: string }> {
  const basic = client.secret ? { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` } : undefined;
  const res = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...basic },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, ...(basic ? {} : { client_id: client.id }) }),
  });
  return { status: res.status, body: await res.text() };
}

/**
 * Marks the stored access token expired, as if its lifetime had run out, so that the next call
 * refreshes; the lifetime credshare recorded (glewlwyd's `expires_in`) stays as it is.
 */
export function expireStored(home: Home): void {
  const file = path.join(home.home, 'credentials.json');
  const document = JSON.parse(fs.readFileSync(file, 'utf8'));
  document.sessions.default.expiresAt = Date.now() - 1000;
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(document), { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}
