import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenCoordinator } from '../../src/core/coordinator';
import { RefreshFailedError, SignInRequiredError } from '../../src/core/errors';
import { fileStoreParts } from '../../src/core/file-coordinator';
import { makeHome, sessionFixture, fastTimings, type TestHome } from '../support/home';
import { RotatingRefresher } from '../support/rotating-refresher';

function setup(t: { after(fn: () => void): void }, issuer = new RotatingRefresher()) {
  const home = makeHome();
  t.after(() => home.remove());
  home.writeSession(sessionFixture());
  const coordinator = new TokenCoordinator({
    ...fileStoreParts(home.paths, fastTimings),
    refresher: issuer.refresher,
    invalidGrantRechecks: { attempts: 4, intervalMs: 50 },
  });
  return { home, issuer, coordinator, profile: home.profile };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

test('returns a fresh token without refreshing', async (t) => {
  const { home, issuer, coordinator, profile } = setup(t);
  home.writeSession(sessionFixture({ accessToken: 'fresh', expiresAt: Date.now() + 3_600_000 }));
  assert.equal((await coordinator.getSession({ profile })).accessToken, 'fresh');
  assert.equal(issuer.calls, 0);
});

test('a thousand concurrent callers in one process cause one refresh', async (t) => {
  const { home, issuer, coordinator, profile } = setup(t);
  const sessions = await Promise.all(Array.from({ length: 1000 }, () => coordinator.getSession({ profile })));
  assert.equal(issuer.calls, 1);
  assert.ok(sessions.every((s) => s.accessToken === 'at-1'));
  assert.equal(home.readSession()?.refreshToken, 'rt-1');
});

test('does not reuse a rejected promise, also after a synchronous throw', async (t) => {
  const { issuer, coordinator, profile } = setup(t);
  let failNext = true;
  const realRefresher = issuer.refresher;
  // A refresher that throws synchronously (not a rejected promise) the first time.
  (coordinator as unknown as { parts: { refresher: unknown } }).parts.refresher = (...args: Parameters<typeof realRefresher>) => {
    if (failNext) { failNext = false; throw new RefreshFailedError('boom'); }
    return realRefresher(...args);
  };
  await assert.rejects(coordinator.getSession({ profile }), /boom/);
  const session = await coordinator.getSession({ profile });
  assert.equal(session.accessToken, 'at-1');
});

test('re-reads after taking the lock and refreshes with the token on disk now', async (t) => {
  const { home, issuer, coordinator, profile } = setup(t);
  // Another process refreshed between our fast-path read and our lock: the store now
  // holds rt-5 (stale access token too), and rt-0 is spent.
  issuer.addLive('rt-5');
  const realBefore = issuer.before;
  issuer.before = (presented) => { assert.equal(presented, 'rt-5', 'must present the token on disk now'); return realBefore(presented); };
  home.writeSession(sessionFixture({ accessToken: 'at-5', refreshToken: 'rt-5' }));
  const session = await coordinator.getSession({ profile });
  assert.equal(issuer.calls, 1);
  assert.equal(session.refreshToken, 'rt-1');
});

test('persists the new tokens even when the caller gave up', async (t) => {
  const { home, issuer, coordinator, profile } = setup(t);
  const gate = deferred();
  const inFlight = deferred();
  issuer.before = async () => { inFlight.resolve(); await gate.promise; };
  const controller = new AbortController();
  const call = coordinator.getSession({ profile, signal: controller.signal });
  await inFlight.promise;
  controller.abort();
  await assert.rejects(call, { name: 'AbortError' });
  gate.resolve();
  for (let i = 0; i < 100 && home.readSession()?.refreshToken !== 'rt-1'; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(home.readSession()?.refreshToken, 'rt-1', 'the rotated token reached the store');
});

test('adopts a sibling\'s newer session when the refresh meets invalid_grant', async (t) => {
  const { home, issuer, coordinator, profile } = setup(t);
  // A sibling that did not see our lock redeemed rt-0 a moment ago and writes rt-9 soon.
  let siblingRan = false;
  issuer.before = (presented) => {
    if (presented !== 'rt-0' || siblingRan) return;
    siblingRan = true;
    issuer.refresher(profile, 'rt-0', 0).catch(() => {});
    setTimeout(() => home.writeSession(sessionFixture({ accessToken: 'at-9', refreshToken: 'rt-9', expiresAt: Date.now() + 600_000 })), 60);
  };
  const session = await coordinator.getSession({ profile });
  assert.equal(session.accessToken, 'at-9');
  assert.equal(home.readSession()?.refreshToken, 'rt-9', 'the sibling\'s session was not deleted');
});

test('an empty refresh token is not a winner: the dead session is removed', async (t) => {
  const { home, issuer, coordinator, profile } = setup(t);
  issuer.before = (presented) => {
    if (presented === 'rt-0') setTimeout(() => home.writeSession(sessionFixture({ accessToken: 'x', refreshToken: '' })), 20);
  };
  (issuer as unknown as { live: Set<string> }).live.clear();
  await assert.rejects(coordinator.getSession({ profile }), (e: Error) => e instanceof SignInRequiredError && /Signed out.*credshare login/.test(e.message));
  assert.equal(home.readSession(), undefined);
});

test('deletes only if the store still holds the refresh token that failed', async (t) => {
  const { home, issuer, coordinator, profile } = setup(t);
  (issuer as unknown as { live: Set<string> }).live.clear();
  // A sign-in lands between the last re-read and the delete: it must survive.
  const parts = (coordinator as unknown as { parts: { invalidGrantRechecks: unknown } }).parts;
  parts.invalidGrantRechecks = { attempts: 1, intervalMs: 1 };
  const store = (coordinator as unknown as { parts: { store: { update: Function } } }).parts.store;
  const realUpdate = store.update.bind(store);
  store.update = (name: string, change: Function) => {
    home.writeSession(sessionFixture({ accessToken: 'signed-in', refreshToken: 'rt-new', expiresAt: Date.now() + 600_000 }));
    return realUpdate(name, change);
  };
  const session = await coordinator.getSession({ profile });
  assert.equal(session.accessToken, 'signed-in');
  assert.equal(home.readSession()?.refreshToken, 'rt-new');
});

test('a sign-in that lands while a refresh is in flight is preserved', async (t) => {
  const { home, issuer, coordinator, profile } = setup(t);
  issuer.before = () => home.writeSession(sessionFixture({ accessToken: 'signed-in', refreshToken: 'rt-login', expiresAt: Date.now() + 600_000 }));
  const session = await coordinator.getSession({ profile });
  assert.equal(session.accessToken, 'signed-in');
  assert.equal(home.readSession()?.refreshToken, 'rt-login');
});

test('a sign-out that lands while a refresh is in flight is not undone', async (t) => {
  const { home, issuer, coordinator, profile } = setup(t);
  issuer.before = () => writeNoSession(home);
  await assert.rejects(coordinator.getSession({ profile }), SignInRequiredError);
  assert.equal(home.readSession(), undefined);
});

test('network errors keep the credentials and are reported', async (t) => {
  const { home, issuer, coordinator, profile } = setup(t);
  issuer.before = () => { throw new RefreshFailedError('Cannot reach http://issuer (ECONNREFUSED). Your credentials are kept.'); };
  await assert.rejects(coordinator.getSession({ profile }), RefreshFailedError);
  assert.equal(home.readSession()?.refreshToken, 'rt-0');
});

test('never presents a refresh token the record says is spent', async (t) => {
  const { home, issuer, coordinator, profile } = setup(t);
  await coordinator.getSession({ profile });
  // A stale copy of the store (a restored backup, a lagging window) shows rt-0 again.
  home.writeSession(sessionFixture());
  await assert.rejects(coordinator.getSession({ profile }), /already used/);
  assert.equal(issuer.calls, 1);
  assert.ok(issuer.isLive('rt-1'), 'the live session was not revoked by a replay');
});

test('a rejected access token is refreshed even before it expires', async (t) => {
  const { home, issuer, coordinator, profile } = setup(t);
  home.writeSession(sessionFixture({ accessToken: 'bad', expiresAt: Date.now() + 600_000 }));
  const session = await coordinator.getSession({ profile, rejectedAccessToken: 'bad' });
  assert.equal(session.accessToken, 'at-1');
  assert.equal(issuer.calls, 1);
});

function writeNoSession(home: TestHome): void {
  home.writeSession(undefined as never);
}
