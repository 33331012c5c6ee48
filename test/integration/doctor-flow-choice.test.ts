// Issue 15.10: doctor says the sign-in flow `credshare login` really uses, and messages name
// the issuer as people write it (no trailing slash from URL.href). Real CLI processes against
// a real oidc-provider whose endpoints the profile gives (no device authorization among them).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { EmbeddedIssuer } from '../../src/issuer/embedded-issuer';
import { runCli, startCli } from '../support/processes';
import { emptyHome } from './login-helpers';

test('an issuer without a device endpoint, where login prefers the device flow: doctor says the browser flow, as login then does', { timeout: 60_000 }, async (t) => {
  const issuer = await EmbeddedIssuer.start({ behaviours: { noDiscovery: true } });
  const home = emptyHome();
  t.after(async () => { await issuer.stop(); home.remove(); });
  fs.mkdirSync(home.home, { mode: 0o700 });
  fs.writeFileSync(`${home.home}/config.json`, JSON.stringify({ profiles: { default: {
    issuer: issuer.url, clientId: issuer.clientId, endpoints: { authorization: `${issuer.url}/auth`, token: `${issuer.url}/token` },
  } } }));
  // No display and no terminal here: login prefers the device flow (flow-choice.ts).
  const env = { ...home.env, DISPLAY: '', WAYLAND_DISPLAY: '', SSH_CONNECTION: '', SSH_CLIENT: '', SSH_TTY: '' };
  const doctor = await runCli(['doctor'], env);
  t.diagnostic(doctor.stdout.split('\n').filter((l) => /^(Sign-in|Issuer|\s+browser)/.test(l)).join('\n'));
  assert.match(doctor.stdout, /browser sign-in yes, device sign-in no/);
  assert.match(doctor.stdout, /^Sign-in +`credshare login` would use the browser flow here \(no display: DISPLAY and WAYLAND_DISPLAY are unset, but the issuer offers no device authorization endpoint\)$/m);
  const login = startCli(['login', '--no-open', '--timeout', '5'], env);
  await login.waitForStderr(/open this URL in a browser/);
  login.child.kill('SIGINT');
  await login.done;
});

test('messages name an issuer without the trailing slash URL.href adds', { timeout: 30_000 }, async (t) => {
  const home = emptyHome();
  t.after(() => home.remove());
  // A port nothing listens on: discovery fails, and the message names the issuer.
  const login = await runCli(['login', '--issuer', 'http://127.0.0.1:9', '--client-id', 'x'], home.env);
  t.diagnostic(login.stderr.trim());
  assert.equal(login.code, 1);
  assert.match(login.stderr, /http:\/\/127\.0\.0\.1:9 \(discovery\)/);
  assert.doesNotMatch(login.stderr, /127\.0\.0\.1:9\//);
});
