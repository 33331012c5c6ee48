// The provider's account rules (src/extension/accounts.ts imports no `vscode`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authSessionId, parseAuthSessionId, profilesFor } from '../../src/extension/accounts';
import { sessionFixture } from '../support/home';

const work = { profile: 'work', session: sessionFixture({ account: { id: 'u1', label: 'alice@work.test', name: 'Alice' } }) };
const home = { profile: 'home', session: sessionFixture({ account: { id: 'u2', label: 'alice@home.test', name: 'Alice' } }) };

test('without an account every signed-in profile is one, the active one first', () => {
  assert.deepEqual(profilesFor([work, home], 'home').map((p) => p.profile), ['home', 'work']);
});

test('the account option selects the profile signed in as that account, by subject and label', () => {
  assert.deepEqual(profilesFor([work, home], 'work', { id: 'u2', label: 'alice@home.test' }).map((p) => p.profile), ['home']);
  assert.deepEqual(profilesFor([work, home], 'work', { id: 'u3', label: 'bob@home.test' }), [], 'an unknown account has no session');
  assert.deepEqual(profilesFor([work, home], 'work', { id: 'u1', label: 'Alice' }).map((p) => p.profile), ['work'], 'a label seen before a change: the subject decides');
});

test('session ids are stable per profile, account and scope set, and name their profile and account', () => {
  const id = authSessionId('my/profile', 'u1', 'openid profile');
  assert.equal(id, authSessionId('my/profile', 'u1', 'openid profile'));
  assert.notEqual(id, authSessionId('my/profile', 'u1', 'email openid'));
  assert.deepEqual(parseAuthSessionId(id), { profile: 'my/profile', accountId: 'u1' });
});
