// Issue 17.3: where a sign-in from VS Code goes, and the profile name an account gets
// (src/extension/account-placement.ts and account-profile-name.ts import no `vscode`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { placeSignIn, type KnownProfile } from '../../src/extension/account-placement';
import { firstFreeName, isValidProfileName, profileNameFrom } from '../../src/extension/account-profile-name';
import { sessionFixture } from '../support/home';

const ISSUER = 'https://login.example.com';
const as = (id: string, label: string) => sessionFixture({ account: { id, label } });
const profile = (name: string, session?: ReturnType<typeof as>, issuer = ISSUER, clientId = 'cli'): KnownProfile => ({ name, issuer, clientId, session });
const target = { name: 'default', issuer: ISSUER, clientId: 'cli' };

test('the profile signed in to keeps the sign-in when it was signed out or it is the same account again', () => {
  assert.deepEqual(placeSignIn(target, [profile('default')], { id: 'u1', label: 'alice@example.com' }), { profile: 'default', kind: 'target' });
  assert.deepEqual(placeSignIn(target, [profile('default', as('u1', 'alice@example.com'))], { id: 'u1', label: 'alice@example.com' }), { profile: 'default', kind: 'target' });
  assert.deepEqual(placeSignIn(target, [], { id: 'u1', label: 'alice@example.com' }), { profile: 'default', kind: 'target' }, 'a first sign-in');
});

test('another account goes beside: a new profile named after the account, the signed-in one untouched', () => {
  assert.deepEqual(placeSignIn(target, [profile('default', as('u1', 'alice@example.com'))], { id: 'u2', label: 'bob@example.com' }), { profile: 'bob@example.com', kind: 'new' });
});

test('the account is already signed in on another profile of the same issuer and client: that one', () => {
  const known = [profile('default', as('u1', 'alice@example.com')), profile('work', as('u2', 'bob@example.com'))];
  assert.deepEqual(placeSignIn(target, known, { id: 'u2', label: 'bob@example.com' }), { profile: 'work', kind: 'same-account' });
  // The same subject at another issuer is another account.
  const elsewhere = [profile('default', as('u1', 'alice@example.com')), profile('work', as('u2', 'bob@example.com'), 'https://other.example.com')];
  assert.deepEqual(placeSignIn(target, elsewhere, { id: 'u2', label: 'bob@example.com' }), { profile: 'bob@example.com', kind: 'new' });
});

test('names are collision-free: a name taken by another issuer, client or account gets -2, -3; a signed-out profile of the same client with that name is reused', () => {
  const signedIn = profile('default', as('u1', 'alice@example.com'));
  const taken = [signedIn, profile('bob@example.com', as('u9', 'bob@example.com'), 'https://other.example.com'), profile('bob@example.com-2', undefined, ISSUER, 'another-client')];
  assert.deepEqual(placeSignIn(target, taken, { id: 'u2', label: 'bob@example.com' }), { profile: 'bob@example.com-3', kind: 'new' });
  const signedOut = [signedIn, profile('bob@example.com')];
  assert.deepEqual(placeSignIn(target, signedOut, { id: 'u2', label: 'bob@example.com' }), { profile: 'bob@example.com', kind: 'reused' });
});

test('a profile name from any label is valid under the profile-name rule', () => {
  const labels = ['alice@example.com', 'Alice Example <alice@example.com>', 'Zoë Ångström', '-leading', '../../etc/passwd', 'a\nstartup --host_jvm_args=-javaagent:x', '"quoted" name', 'x'.repeat(200), '', '🙂', 'user+tag@example.com', '248289761001'];
  for (const label of labels) {
    const name = profileNameFrom(label);
    assert.ok(isValidProfileName(name), `${JSON.stringify(label)} -> ${JSON.stringify(name)}`);
    assert.ok(!/[\s"'/\\\n]/.test(name));
  }
  assert.equal(profileNameFrom('alice@example.com'), 'alice@example.com');
  assert.equal(profileNameFrom('Zoë Ångström'), 'Zoe-Angstrom');
  assert.equal(profileNameFrom('a\nstartup --host_jvm_args=-javaagent:x'), 'a-startup-host_jvm_args-javaagent-x');
  assert.equal(profileNameFrom('🙂'), 'account');
  const long = firstFreeName(profileNameFrom('x'.repeat(200)), (n) => n.endsWith('-2'));
  assert.ok(isValidProfileName(long) && long.length <= 64 && long.endsWith('-2'), long);
});
