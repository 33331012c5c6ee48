// Issue 17.4: which createSession may take a sign-in that ended moments ago
// (src/extension/join-recent.ts imports no `vscode`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentSignIns } from '../../src/extension/join-recent';

const OPENID = ['openid'];

test('two extensions ask at once (both saw no session): the first signs in, the second, called after it ended, takes it', () => {
  const r = new RecentSignIns(60_000);
  r.noteAnswer(OPENID, true, 1000); // extension 1: getSessions answered nothing
  r.noteAnswer(OPENID, true, 1001); // extension 2: the same
  assert.equal(r.claim('default', OPENID, 5000), undefined, 'extension 1 signs in');
  r.noteSignIn('default', ['openid', 'offline_access'], 'alice', 5000, 20_000);
  assert.deepEqual(r.claim('default', OPENID, 21_000), { accountId: 'alice', storedAt: 20_000, storedIn: 'default' }, 'extension 2 takes it');
});

test('forceNewSession right after a sign-in is never answered from it: its getSessions had answered with a session', () => {
  const r = new RecentSignIns(60_000);
  r.noteAnswer(OPENID, true, 1000);
  assert.equal(r.claim('default', OPENID, 2000), undefined);
  r.noteSignIn('default', ['openid'], 'alice', 2000, 10_000);
  r.noteAnswer(OPENID, false, 11_000); // the extension's getSessions: a session (it is what forceNewSession replaces)
  assert.equal(r.claim('default', OPENID, 12_000), undefined, 'signs in again');
  // And the same extension once more, still within the minute.
  r.noteAnswer(OPENID, false, 13_000);
  assert.equal(r.claim('default', OPENID, 14_000), undefined);
});

test('an empty answer is good for one createSession only', () => {
  const r = new RecentSignIns(60_000);
  r.noteAnswer(OPENID, true, 1000);
  r.noteSignIn('default', ['openid'], 'alice', 500, 2000);
  assert.ok(r.claim('default', OPENID, 3000));
  assert.equal(r.claim('default', OPENID, 3001), undefined);
});

test('an empty answer given after the sign-in was stored, or long before it began, or for other scopes, or a sign-in too old: no join', () => {
  const r = new RecentSignIns(60_000);
  r.noteSignIn('default', ['openid', 'profile'], 'alice', 100_000, 110_000);
  r.noteAnswer(OPENID, true, 111_000);
  assert.equal(r.claim('default', OPENID, 112_000), undefined, 'after the store: the caller could have seen it');
  r.noteAnswer(OPENID, true, 30_000);
  assert.equal(r.claim('default', OPENID, 112_000), undefined, 'more than a minute before the sign-in began');
  r.noteAnswer(['email'], true, 105_000);
  assert.equal(r.claim('default', ['email'], 112_000), undefined, 'scopes the sign-in does not cover');
  r.noteAnswer(OPENID, true, 105_000);
  assert.equal(r.claim('default', OPENID, 171_000), undefined, 'the sign-in ended more than a minute ago');
  assert.equal(r.claim('work', OPENID, 112_000), undefined, 'another profile');
});
