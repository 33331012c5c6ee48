// Issue 17.1: what a change of any profile means for onDidChangeSessions
// (src/extension/session-events.ts imports no `vscode`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessionChanges } from '../../src/extension/session-events';
import type { StoreSnapshot } from '../../src/extension/session-events';
import type { Session } from '../../src/core/session';
import { sessionFixture } from '../support/home';

const alice = sessionFixture({ accessToken: 'a1', refreshToken: 'r1', account: { id: 'u-alice', label: 'alice@example.test' } });
const bob = sessionFixture({ accessToken: 'b1', refreshToken: 'rb1', account: { id: 'u-bob', label: 'bob@example.test' } });
const snap = (active: string, profiles: Record<string, Session | undefined>): StoreSnapshot => ({ active, profiles: new Map(Object.entries(profiles)) });
const grant = (profile: string, s: Session) => ({ id: `${profile}/${s.account.id}/`, account: { id: s.account.id, label: s.account.label } });
const handed = (map: Record<string, string[]>) => (profile: string) => (map[profile] ?? []).map((id) => ({ id, account: { id: id.split('/')[1]!, label: '' } }));
const ids = (list: { id: string }[]) => list.map((s) => s.id).sort();

test('a non-active profile refreshed elsewhere: changed, for its grant and every session handed out for it', () => {
  const e = sessionChanges(snap('default', { default: alice, work: bob }), snap('default', { default: alice, work: { ...bob, accessToken: 'b2' } }),
    grant, handed({ work: ['work/u-bob/profile', 'work/u-bob/email'] }));
  assert.deepEqual(ids(e.changed), ['work/u-bob/', 'work/u-bob/email', 'work/u-bob/profile']);
  assert.deepEqual([e.added, e.removed, e.forget], [[], [], []]);
});

test('a non-active profile signed out elsewhere: removed, with its handed-out sessions, which are then forgotten', () => {
  const e = sessionChanges(snap('default', { default: alice, work: bob }), snap('default', { default: alice, work: undefined }),
    grant, handed({ work: ['work/u-bob/profile'], default: ['default/u-alice/profile'] }));
  assert.deepEqual(ids(e.removed), ['work/u-bob/', 'work/u-bob/profile']);
  assert.deepEqual([e.added, e.changed, e.forget], [[], [], ['work']]);
});

test('signed in elsewhere: added; another account on the same profile: the old one removed, the new one added', () => {
  const signedIn = sessionChanges(snap('default', { default: alice, work: undefined }), snap('default', { default: alice, work: bob }), grant, handed({}));
  assert.deepEqual([ids(signedIn.added), signedIn.removed, signedIn.changed], [['work/u-bob/'], [], []]);
  const replaced = sessionChanges(snap('default', { default: alice }), snap('default', { default: bob }), grant, handed({ default: ['default/u-alice/x'] }));
  assert.deepEqual([ids(replaced.added), ids(replaced.removed), replaced.changed], [['default/u-bob/'], ['default/u-alice/', 'default/u-alice/x'], []]);
});

test('a profile switch announces no removal: both profiles are still signed in; their grants come as changed', () => {
  const e = sessionChanges(snap('default', { default: alice, work: bob }), snap('work', { default: alice, work: bob }), grant, handed({ default: ['default/u-alice/p'] }));
  assert.deepEqual(e.removed, []);
  assert.deepEqual(e.added, []);
  assert.deepEqual(ids(e.changed), ['default/u-alice/', 'work/u-bob/']);
  assert.deepEqual(e.forget, []);
});

test('a switch to a profile nobody signed in to: nothing removed, the old active account changed only', () => {
  const e = sessionChanges(snap('default', { default: alice, fresh: undefined }), snap('fresh', { default: alice, fresh: undefined }), grant, handed({}));
  assert.deepEqual([e.added, e.removed, ids(e.changed)], [[], [], ['default/u-alice/']]);
});

test('signing out one of two profiles signed in as the same account: not removed (VS Code would drop the account from its menu), changed', () => {
  const e = sessionChanges(snap('default', { default: alice, copy: alice }), snap('default', { default: alice, copy: undefined }), grant, handed({ copy: ['copy/u-alice/p'] }));
  assert.deepEqual(e.removed, []);
  assert.deepEqual(ids(e.changed), ['copy/u-alice/', 'copy/u-alice/p']);
  assert.deepEqual(e.forget, ['copy']);
});

test('nothing changed: nothing to announce', () => {
  const e = sessionChanges(snap('default', { default: alice, work: bob }), snap('default', { default: { ...alice }, work: { ...bob } }), grant, handed({ work: ['w'] }));
  assert.deepEqual([e.added, e.removed, e.changed, e.forget], [[], [], [], []]);
});

test('only the extensions\' own grant of a profile refreshed: changed for the sessions handed out for that profile', () => {
  const before: StoreSnapshot = { active: 'default', profiles: new Map([['default', alice]]), extensionGrants: new Map([['default', { ...alice, accessToken: 'x1' }]]) };
  const after: StoreSnapshot = { active: 'default', profiles: new Map([['default', alice]]), extensionGrants: new Map([['default', { ...alice, accessToken: 'x2' }]]) };
  const e = sessionChanges(before, after, grant, handed({ default: ['default/u-alice/email'] }));
  assert.deepEqual([e.added, e.removed, ids(e.changed)], [[], [], ['default/u-alice/email']]);
});
