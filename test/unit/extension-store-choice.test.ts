// Issue 17.5: which store a window uses, for each vscode.env.remoteName and uiKind
// (src/extension/store-choice.ts imports no `vscode`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseStore } from '../../src/extension/store-choice';

const REMOTES = ['ssh-remote', 'dev-container', 'attached-container', 'wsl', 'codespaces', 'tunnel', 'k8s-container', 'some-future-remote', 'gitpod', ''];

test('a local desktop window keeps the setting, SecretStorage included', () => {
  assert.deepEqual(chooseStore('secretStorage', { remoteName: undefined, uiKind: 'desktop' }), { kind: 'secretStorage', reason: 'setting', where: 'local' });
  assert.deepEqual(chooseStore('shared', { remoteName: undefined, uiKind: 'desktop' }), { kind: 'shared', reason: 'setting', where: 'local' });
  assert.equal(chooseStore('secretStorage', { remoteName: undefined, uiKind: 'web' }).kind, 'secretStorage');
});

for (const uiKind of ['desktop', 'web'] as const) {
  test(`a remote window (${uiKind}) never uses SecretStorage: the remote's own shared store, for every known and unknown remote kind`, () => {
    for (const remoteName of REMOTES) {
      const choice = chooseStore('secretStorage', { remoteName, uiKind });
      assert.equal(choice.kind, 'shared', `remoteName ${JSON.stringify(remoteName)}`);
      assert.equal(choice.reason, 'remote', `remoteName ${JSON.stringify(remoteName)}`);
      assert.equal(choice.where, `remote (${remoteName || 'unnamed'})`);
      // Asking for the shared store in a remote window is simply the setting.
      assert.deepEqual(chooseStore('shared', { remoteName, uiKind }), { kind: 'shared', reason: 'setting', where: choice.where });
    }
  });
}

test('a web workbench served by the extension host\'s own server (code-server: remoteName is its host:port) keeps the setting', () => {
  // Seen in code-server 4.139 here: uiKind web, remoteName "127.0.0.1:<port>".
  for (const remoteName of ['127.0.0.1:44657', 'localhost:8080', 'localhost', 'ide.example.com', 'ide.example.com:443', '[::1]:8080']) {
    assert.deepEqual(chooseStore('secretStorage', { remoteName, uiKind: 'web' }), { kind: 'secretStorage', reason: 'setting', where: 'served-web' }, remoteName);
  }
});

test('the same authority-like names in a desktop window are a remote: the desktop keeps secrets on the local machine', () => {
  for (const remoteName of ['127.0.0.1:44657', 'ide.example.com']) {
    assert.equal(chooseStore('secretStorage', { remoteName, uiKind: 'desktop' }).kind, 'shared', remoteName);
  }
});
