// The refresh margin from a token's own lifetime (issue 15.1) and expiry dated from the request
// (issue 15.7), at the level of the pure rules and of the coordinator with an in-process
// rotating refresher. The same against the real issuer and real processes:
// test/integration/lifetime-matrix.test.ts and lifetime-late-answer.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenCoordinator } from '../../src/core/coordinator';
import { RefreshFailedError } from '../../src/core/errors';
import { fileStoreParts } from '../../src/core/file-coordinator';
import { LIFETIME_FRACTION, lifetimeOf, refreshMarginSeconds } from '../../src/core/refresh-margin';
import { sessionForScopes } from '../../src/core/scope-sets';
import { sessionAfterScopedRefresh } from '../../src/core/scoped-refresh';
import { isFresh, sessionAfterRefresh } from '../../src/core/session';
import { ASSUMED_LIFETIME_SECONDS, timingFromRequest } from '../../src/core/token-expiry';
import { fastTimings, makeHome, sessionFixture } from '../support/home';
import { RotatingRefresher } from '../support/rotating-refresher';

test('the margin is the tolerance capped by half the lifetime; unknown lifetime: the tolerance', () => {
  assert.equal(LIFETIME_FRACTION, 0.5);
  const cases: [tolerance: number, lifetime: number | undefined, margin: number][] = [
    [300, 3600, 300], [300, 600, 300], [300, 300, 150], [300, 40, 20], [300, 20, 10],
    [10, 20, 10], [10, 300, 10], [0, 20, 0], [600, 300, 150], [999_999, 300, 150],
    [300, undefined, 300], [999_999, undefined, 999_999], [-5, 300, 0],
  ];
  for (const [tolerance, lifetime, margin] of cases) {
    assert.equal(refreshMarginSeconds(tolerance, lifetime), margin, `tolerance ${tolerance}, lifetime ${lifetime}`);
  }
});

test('a stored lifetime counts only when it is a positive number', () => {
  assert.equal(lifetimeOf({ lifetimeSeconds: 300 }), 300);
  for (const bad of [undefined, 0, -1, '300', Number.NaN, Number.POSITIVE_INFINITY, null, {}]) {
    assert.equal(lifetimeOf({ lifetimeSeconds: bad }), undefined, String(bad));
  }
});

test('isFresh applies the margin to the session\'s own lifetime', () => {
  const now = 1_000_000_000_000;
  const issued = (lifetime: number, age: number) => sessionFixture({ expiresAt: now + (lifetime - age) * 1000, lifetimeSeconds: lifetime });
  // A 300 s token just issued, tolerance 300: fresh (it was stale at once before lifetimes counted).
  assert.equal(isFresh(issued(300, 1), 300, now), true);
  assert.equal(isFresh(issued(300, 149), 300, now), true);
  assert.equal(isFresh(issued(300, 150), 300, now), false, 'stale from half its life on');
  // --min-validity beyond what the issuer ever grants: the freshest token, not a refresh per call.
  assert.equal(isFresh(issued(300, 1), 600, now), true);
  // Without a stored lifetime (a file of an older credshare): the tolerance, as before.
  assert.equal(isFresh(sessionFixture({ expiresAt: now + 299_000 }), 300, now), false);
  assert.equal(isFresh(sessionFixture({ expiresAt: now + 301_000 }), 300, now), true);
});

test('expiry and lifetime are dated from the request; no expires_in: an hour assumed, lifetime unknown', () => {
  assert.deepEqual(timingFromRequest(300, 1_000), { expiresAt: 301_000, lifetimeSeconds: 300 });
  assert.deepEqual(timingFromRequest(undefined, 1_000), { expiresAt: 1_000 + ASSUMED_LIFETIME_SECONDS * 1000 });
  assert.deepEqual(timingFromRequest(0, 1_000), { expiresAt: 1_000 + ASSUMED_LIFETIME_SECONDS * 1000 });
  const before = sessionFixture({ lifetimeSeconds: 40 });
  const after = sessionAfterRefresh(before, { accessToken: 'at-1', refreshToken: 'rt-1', expiresIn: 20 }, 5_000);
  assert.equal(after.expiresAt, 25_000);
  assert.equal(after.lifetimeSeconds, 20);
  const silent = sessionAfterRefresh(before, { accessToken: 'at-2' }, 5_000);
  assert.equal(silent.lifetimeSeconds, undefined, 'the old token\'s lifetime does not describe the new one');
  assert.ok(!('lifetimeSeconds' in silent));
});

test('a scope set\'s token keeps its own lifetime, and the margin is judged on it', () => {
  const grant = sessionFixture({ expiresAt: Date.now() + 3_600_000, lifetimeSeconds: 3600, scope: 'openid email offline_access' }); // a set within the grant (RFC 6749 §6)
  const scoped = sessionAfterScopedRefresh(grant, { accessToken: 'at-email', expiresIn: 40, scope: 'email' }, 'email', Date.now());
  assert.equal(scoped.tokens?.email?.lifetimeSeconds, 40);
  const view = sessionForScopes(scoped, 'email')!;
  assert.equal(view.accessToken, 'at-email');
  assert.equal(view.lifetimeSeconds, 40);
  assert.equal(isFresh(view, 300), true, 'a 40 s token just issued is fresh under the default tolerance');
  const old = { ...scoped, tokens: { email: { accessToken: 'at-old', expiresAt: Date.now() + 1_000_000, scope: 'email' } } };
  assert.equal(sessionForScopes(old, 'email')!.lifetimeSeconds, undefined, 'a set\'s token without a lifetime does not borrow the grant\'s');
});

function coordinatorFor(t: { after(fn: () => void): void }, tolerance: number, issuer = new RotatingRefresher()) {
  const home = makeHome({ toleranceSeconds: tolerance });
  t.after(() => home.remove());
  home.writeSession(sessionFixture());
  // A new coordinator per call: each stands for a separate process that reads the store.
  const call = (minValiditySeconds?: number) => new TokenCoordinator({ ...fileStoreParts(home.paths, fastTimings), refresher: issuer.refresher })
    .getSession({ profile: home.profile, ...(minValiditySeconds === undefined ? {} : { minValiditySeconds }) });
  return { home, issuer, call };
}

test('300 s tokens under the default 300 s tolerance: one refresh, then 20 calls refresh nothing', async (t) => {
  const { issuer, call } = coordinatorFor(t, 300);
  issuer.expiresIn = 300;
  assert.equal((await call()).accessToken, 'at-1');
  for (let i = 0; i < 20; i++) assert.equal((await call()).accessToken, 'at-1');
  assert.equal(issuer.calls, 1);
});

test('--min-validity beyond the lifetime: one refresh, then the freshest token, never a refresh per call', async (t) => {
  const { home, issuer, call } = coordinatorFor(t, 60);
  issuer.expiresIn = 300;
  for (let i = 0; i < 20; i++) assert.equal((await call(600)).accessToken, 'at-1');
  assert.equal(issuer.calls, 1);
  // Once the token is past half its life, such a caller gets a refresh, once.
  home.writeSession({ ...home.readSession()!, expiresAt: Date.now() + 140_000 });
  assert.equal((await call(999_999)).accessToken, 'at-2');
  assert.equal((await call(999_999)).accessToken, 'at-2');
  assert.equal(issuer.calls, 2);
});

test('expiry is dated from when the refresh was asked, not from when its answer was read', async (t) => {
  const { home, issuer, call } = coordinatorFor(t, 60);
  issuer.before = () => new Promise((resolve) => setTimeout(resolve, 300));
  const asked = Date.now();
  await call();
  const answered = Date.now();
  const stored = home.readSession()!;
  assert.ok(stored.expiresAt >= asked + 600_000, 'not before the request');
  assert.ok(stored.expiresAt <= answered - 250 + 600_000, `dated before the held answer arrived (${stored.expiresAt - asked - 600_000} ms after the request)`);
  assert.equal(stored.lifetimeSeconds, 600);
});

test('an answer that arrives already expired is stored, then refreshed once more with the token it brought', async (t) => {
  const { home, issuer, call } = coordinatorFor(t, 300);
  issuer.expiresIn = 4;
  // The first request was sent 20 s before its answer arrived (a proxy held it, a laptop slept).
  issuer.requestedAt = (n) => (n === 1 ? Date.now() - 20_000 : undefined);
  const session = await call();
  assert.equal(issuer.calls, 2, 'one more refresh, no more');
  assert.equal(session.accessToken, 'at-2', 'never the expired at-1');
  assert.ok(session.expiresAt > Date.now());
  assert.equal(home.readSession()!.refreshToken, 'rt-2', 'the rotated token of the late answer was used, not lost');
  assert.equal(issuer.isLive('rt-2'), true);
});

test('answers that keep arriving expired: no loop, a clear failure, the newest tokens kept', async (t) => {
  const { home, issuer, call } = coordinatorFor(t, 300);
  issuer.expiresIn = 4;
  issuer.requestedAt = () => Date.now() - 20_000;
  await assert.rejects(call(), (error: unknown) => error instanceof RefreshFailedError
    && /answered twice in a row only after the new access token had expired \(its tokens live 4s\)/.test(error.message)
    && /credentials are kept/.test(error.message));
  assert.equal(issuer.calls, 2);
  assert.equal(home.readSession()!.refreshToken, 'rt-2');
  assert.equal(issuer.isLive('rt-2'), true, 'the session survives for the next call');
});

test('a late answer still valid but short of the margin: refreshed once more, then handed out rather than failing', async (t) => {
  const { issuer, call } = coordinatorFor(t, 60);
  issuer.expiresIn = 100;
  // Both answers leave 40 s of a 100 s token: under the margin (50 s), not expired.
  issuer.requestedAt = () => Date.now() - 60_000;
  const session = await call();
  assert.equal(issuer.calls, 2);
  assert.equal(session.accessToken, 'at-2');
  const left = session.expiresAt - Date.now();
  assert.ok(left > 0 && left <= 40_000, `valid, short (${left} ms)`);
});
