import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenCoordinator } from '../../src/core/coordinator';
import { fileStoreParts } from '../../src/core/file-coordinator';
import { FileCredentialStore } from '../../src/core/file-store';
import type { Refresher } from '../../src/core/oauth/refresh-grant';
import { scopeKey, scopeRoute, scopedTokens, sessionForScopes } from '../../src/core/scope-sets';
import { sessionAfterScopedRefresh } from '../../src/core/scoped-refresh';
import { accessTokenScope } from '../../src/core/access-token-scope';
import { markAccessTokenRejected } from '../../src/core/session-writes';
import { makeHome, sessionFixture, fastTimings } from '../support/home';

test('a scope set is normalised: sorted, de-duplicated, space-joined, from strings or lists', () => {
  assert.equal(scopeKey(['profile openid', 'openid', ' email']), 'email openid profile');
  assert.equal(scopeKey('b  a b'), 'a b');
  assert.equal(scopeKey(undefined), '');
});

test('the grant\'s own scope set and no scopes at all are served by the grant\'s token', () => {
  const session = sessionFixture({ scope: 'openid offline_access profile' });
  assert.equal(sessionForScopes(session, ''), session);
  assert.equal(sessionForScopes(session, 'offline_access openid profile'), session);
  assert.equal(sessionForScopes(session, 'openid profile'), session, 'offline_access asks for a refresh token, not for access: the same set');
  assert.equal(sessionForScopes(session, 'openid'), undefined, 'another set has no token until refreshed for it');
});

/** A refresher that answers like an issuer which ignores `scope` on refresh: always the grant's full scope. */
function wideningIssuer(): { refresher: Refresher; asked: (string | undefined)[] } {
  const asked: (string | undefined)[] = [];
  let n = 0;
  return {
    asked,
    refresher: async (_profile, _refreshToken, _timeout, options) => {
      asked.push(options?.scope);
      n++;
      return { accessToken: `at-${n}`, refreshToken: `rt-${n}`, expiresIn: 600, scope: 'openid offline_access profile' };
    },
  };
}

test('an issuer that answers a narrower request with a wider scope: the token becomes the grant\'s, with its real scopes, and is not asked to narrow again', async (t) => {
  const home = makeHome();
  t.after(() => home.remove());
  home.writeSession(sessionFixture({ scope: 'openid offline_access profile' }));
  const issuer = wideningIssuer();
  const coordinator = new TokenCoordinator({ ...fileStoreParts(home.paths, fastTimings), refresher: issuer.refresher });
  const session = await coordinator.getSession({ profile: home.profile, scopes: ['profile'] });
  assert.equal(session.accessToken, 'at-1');
  assert.equal(session.scope, 'openid offline_access profile', 'session.scope is what the token really carries');
  const stored = home.readSession()!;
  assert.equal(stored.accessToken, 'at-1', 'stored as the grant\'s token');
  assert.equal(stored.tokens?.['profile'], undefined, 'not cached as if it were narrow');
  assert.match(stored.scopeNarrowing?.reason ?? '', /wider scope/);
  // Another set: straight to the grant's fresh token, no request.
  assert.equal((await coordinator.getSession({ profile: home.profile, scopes: ['openid', 'profile'] })).accessToken, 'at-1');
  assert.equal((await coordinator.getSession({ profile: home.profile, scopes: ['profile'] })).accessToken, 'at-1');
  assert.deepEqual(issuer.asked, ['profile']);
});

test('a tool rejecting a scope set\'s token marks only that token stale', async (t) => {
  const home = makeHome();
  t.after(() => home.remove());
  home.writeSession(sessionFixture({
    accessToken: 'grant', expiresAt: Date.now() + 600_000,
    tokens: { openid: { accessToken: 'narrow', expiresAt: Date.now() + 600_000, scope: 'openid' } },
  }));
  const parts = fileStoreParts(home.paths, fastTimings);
  assert.equal(await markAccessTokenRejected(parts, 'default', 'narrow'), true);
  const stored = await new FileCredentialStore(home.paths.credentials).read('default');
  assert.equal(stored?.tokens?.openid?.expiresAt, 0);
  assert.ok(stored!.expiresAt > Date.now(), 'the grant\'s token is untouched');
});

test('a scope set beyond the grant is not granted (no refresh may ask for it), whatever the issuer\'s narrowing', () => {
  const session = sessionFixture({ scope: 'openid offline_access' });
  assert.equal(scopeRoute(session, 'email openid'), 'not-granted');
  assert.equal(scopeRoute({ ...session, scopeNarrowing: { supported: false, reason: 'x', at: 0 } }, 'email openid'), 'not-granted', 'not served by the grant\'s token either');
  assert.equal(scopeRoute(session, 'offline_access'), 'grant', 'offline_access asks for a refresh token, not for access');
  assert.equal(scopeRoute(sessionFixture({ scope: 'openid email' }), 'openid'), 'narrow');
  assert.equal(sessionForScopes(session, 'email openid'), undefined);
});

/** An unsigned JWT whose payload is `claims` (enough for accessTokenScope, which verifies nothing). */
const jwt = (claims: Record<string, unknown>): string => ['{"alg":"none"}', JSON.stringify(claims)].map((p) => Buffer.from(p).toString('base64url')).join('.') + '.sig';

test('a narrowed refresh answered without scope: a JWT access token\'s scope or scp claim, else the grant\'s scope, unconfirmed', () => {
  const grant = sessionFixture({ scope: 'openid email profile' });
  const answered = (accessToken: string, scope?: string) => scopedTokens(sessionAfterScopedRefresh(grant, { accessToken, refreshToken: 'rt-1', expiresIn: 60, ...(scope ? { scope } : {}) }, 'openid'))['openid'];
  assert.deepEqual(pick(answered('opaque', 'openid')), { scope: 'openid', scopeFrom: undefined });
  assert.deepEqual(pick(answered('opaque')), { scope: 'openid email profile', scopeFrom: 'grant' });
  assert.deepEqual(pick(answered(jwt({ scope: 'openid' }))), { scope: 'openid', scopeFrom: 'access-token' });
  assert.deepEqual(pick(answered(jwt({ scp: ['openid'] }))), { scope: 'openid', scopeFrom: 'access-token' }, 'Okta\'s list');
  assert.deepEqual(pick(answered(jwt({ sub: 'a' }))), { scope: 'openid email profile', scopeFrom: 'grant' }, 'a JWT without a scope claim says nothing');
  assert.equal(accessTokenScope('a.b.c'), undefined, 'not JSON: not a JWT');
  assert.equal(accessTokenScope(jwt({ scp: 'User.Read Mail.Read' })), 'User.Read Mail.Read', 'Entra ID\'s string');
  // A claim wider than asked: the issuer did not narrow. The grant's recorded scope stays.
  const wide = sessionAfterScopedRefresh(grant, { accessToken: jwt({ scope: 'openid email' }), refreshToken: 'rt-1', expiresIn: 60 }, 'openid');
  assert.equal(wide.scope, 'openid email profile');
  assert.match(wide.scopeNarrowing?.reason ?? '', /access token's own scope claim.*wider scope "openid email"/);
});

function pick(token: { scope: string; scopeFrom?: string } | undefined): { scope?: string; scopeFrom?: string } {
  return { scope: token?.scope, scopeFrom: token?.scopeFrom };
}
