// Which sign-in flows a window tries, as a table of (extension host kind x issuer
// capabilities x setting) -> flows, in the manner of VS Code's GitHub provider
// (extensions/github-authentication/src/test/flows.test.ts); and the checks on the URLs
// the flows give the browser.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { extensionHostKind, openableVerificationUri, reachableRedirect, signInFlows, type ExtensionHostKind, type FlowSetting, type IssuerCapabilities } from '../../src/extension/sign-in-choice';

const both: IssuerCapabilities = { authorizationEndpoint: true, deviceAuthorization: true };
const browserOnly: IssuerCapabilities = { authorizationEndpoint: true, deviceAuthorization: false };
const deviceOnly: IssuerCapabilities = { authorizationEndpoint: false, deviceAuthorization: true };
const neither: IssuerCapabilities = { authorizationEndpoint: false, deviceAuthorization: false };

const table: [string, ExtensionHostKind, IssuerCapabilities, FlowSetting, string[]][] = [
  ['desktop, issuer offers both: browser first', 'local', both, 'auto', ['browser', 'device']],
  ['desktop, no device endpoint', 'local', browserOnly, 'auto', ['browser']],
  ['desktop, no authorization endpoint', 'local', deviceOnly, 'auto', ['device']],
  ['remote (SSH, WSL, container): browser if the forwarded redirect is reachable, else device', 'remote', both, 'auto', ['browser', 'device']],
  ['remote, no device endpoint: browser only', 'remote', browserOnly, 'auto', ['browser']],
  ['remote, no authorization endpoint', 'remote', deviceOnly, 'auto', ['device']],
  ['web workbench: device first, the browser flow as a fallback', 'web', both, 'auto', ['device', 'browser']],
  ['web, no device endpoint: browser (if the redirect is reachable)', 'web', browserOnly, 'auto', ['browser']],
  ['web, no authorization endpoint', 'web', deviceOnly, 'auto', ['device']],
  ['setting browser: only browser', 'web', both, 'browser', ['browser']],
  ['setting deviceCode: only device', 'local', both, 'deviceCode', ['device']],
  ['setting browser, issuer without authorization endpoint: nothing', 'local', deviceOnly, 'browser', []],
  ['setting deviceCode, issuer without device endpoint: nothing', 'remote', browserOnly, 'deviceCode', []],
  ['issuer offering neither: nothing', 'local', neither, 'auto', []],
];

describe('signInFlows', () => {
  for (const [name, host, issuer, setting, expected] of table) {
    test(name, () => assert.deepEqual(signInFlows(host, issuer, setting), expected));
  }
});

test('extensionHostKind: a browser workbench is web whatever its remote; a desktop with a remote name is remote', () => {
  assert.equal(extensionHostKind('web', undefined), 'web');
  assert.equal(extensionHostKind('web', 'codespaces'), 'web');
  assert.equal(extensionHostKind('desktop', 'ssh-remote'), 'remote');
  assert.equal(extensionHostKind('desktop', undefined), 'local');
});

describe('reachableRedirect', () => {
  const loopback = 'http://127.0.0.1:41234/callback';
  test('unchanged by asExternalUri: the loopback URI itself', () => assert.equal(reachableRedirect(loopback, loopback), loopback));
  test('a forwarded port on the local machine (remote SSH): that port, on 127.0.0.1', () => {
    assert.equal(reachableRedirect(loopback, 'http://localhost:50001/callback'), 'http://127.0.0.1:50001/callback');
  });
  test('a proxy path (code-server /proxy/PORT/) is not a loopback redirect', () => {
    assert.equal(reachableRedirect(loopback, 'http://127.0.0.1:8080/proxy/41234/callback'), undefined);
  });
  test('a tunnel on another host (Codespaces, dev tunnels) is not a loopback redirect', () => {
    assert.equal(reachableRedirect(loopback, 'https://x-41234.app.github.dev/callback'), undefined);
  });
  test('https on loopback is not what the listener serves', () => assert.equal(reachableRedirect(loopback, 'https://127.0.0.1:41234/callback'), undefined));
  test('garbage', () => assert.equal(reachableRedirect(loopback, 'not a url'), undefined));
});

describe('openableVerificationUri', () => {
  test('prefers verification_uri_complete', () => {
    assert.equal(openableVerificationUri({ verificationUri: 'https://id.example/device', verificationUriComplete: 'https://id.example/device?user_code=AB-CD' }), 'https://id.example/device?user_code=AB-CD');
  });
  test('http on loopback (a test issuer) is opened', () => assert.equal(openableVerificationUri({ verificationUri: 'http://127.0.0.1:3000/device' }), 'http://127.0.0.1:3000/device'));
  test('a non-http complete URI falls back to an http(s) verification_uri', () => {
    assert.equal(openableVerificationUri({ verificationUri: 'https://id.example/device', verificationUriComplete: 'command:workbench.action.terminal.new' }), 'https://id.example/device');
  });
  for (const uri of ['file:///etc/passwd', 'javascript:alert(1)', 'vscode://some.extension/run', 'command:workbench.action.terminal.sendSequence', 'not a url']) {
    test(`never opens ${uri}`, () => assert.equal(openableVerificationUri({ verificationUri: uri, verificationUriComplete: uri }), undefined));
  }
});
