import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { EmbeddedIssuer, type IssuerBehaviours } from '../../src/issuer/embedded-issuer';
import { makeHome, type TestHome } from './home';

/**
 * A real oidc-provider with `behaviours`, and a home signed in to it with a grant for
 * `grantScope` (a real refresh token), its access token expired; the profile's scopes are
 * the grant's, as after `credshare login --scope GRANT`.
 */
export async function signedInWithGrant(t: { after(fn: () => Promise<void> | void): void }, grantScope: string, behaviours: IssuerBehaviours = {},
  hosts?: string[]): Promise<{ issuer: EmbeddedIssuer; home: TestHome }> {
  const issuer = await EmbeddedIssuer.start({ accessTokenTtlSeconds: 3600, behaviours });
  const home = makeHome({ issuer: issuer.url, clientId: issuer.clientId, ...(hosts ? { hosts } : {}) });
  t.after(async () => { await issuer.stop(); home.remove(); });
  const config = JSON.parse(fs.readFileSync(home.paths.config, 'utf8'));
  config.profiles.default.scopes = grantScope.split(' ');
  fs.writeFileSync(home.paths.config, JSON.stringify(config));
  home.profile.scopes = grantScope.split(' ');
  const minted = await issuer.mintSession({ accountId: 'alice', scope: grantScope });
  home.writeSession({
    accessToken: minted.accessToken, refreshToken: minted.refreshToken, expiresAt: Date.now() - 1000, scope: minted.scope,
    ...(minted.idToken ? { idToken: minted.idToken } : {}), account: { id: 'alice', label: 'alice@example.test' },
  });
  return { issuer, home };
}

/** What the issuer itself says a token carries: its introspection endpoint (RFC 7662). */
export async function introspect(issuer: EmbeddedIssuer, token: string): Promise<{ active: boolean; scope?: string }> {
  const response = await fetch(`${issuer.url}/token/introspection`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, client_id: issuer.clientId }),
  });
  assert.equal(response.status, 200, `introspection answered HTTP ${response.status}`);
  return response.json() as Promise<{ active: boolean; scope?: string }>;
}

/** A scope string as a sorted set, for comparisons. */
export const sortedWords = (scope: string | undefined): string => (scope ?? '').split(' ').filter(Boolean).sort().join(' ');
