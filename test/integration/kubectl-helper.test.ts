// kubectl's exec credential plugin side (client-go's exec.go): the request is the
// KUBERNETES_EXEC_INFO variable, the answer an ExecCredential in the very apiVersion asked
// for (client-go refuses any other), with status.token and status.expirationTimestamp.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { runCli } from '../support/processes';
import { signedInHome } from '../support/issuer-home';

const execInfo = (apiVersion: string, server?: string) => JSON.stringify({
  kind: 'ExecCredential', apiVersion, spec: { interactive: false, ...(server ? { cluster: { server, 'insecure-skip-tls-verify': false } } : {}) },
});

test('kubectl: an ExecCredential in the apiVersion asked for, with the token and its expiry in RFC 3339', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome({ hosts: ['k8s.example.com:6443'] });
  t.after(() => env.close());
  const session = env.home.readSession()!;
  const kubectl = (info?: string) => runCli(['helper', '--protocol', 'kubectl', 'get'], { ...env.home.env, ...(info === undefined ? {} : { KUBERNETES_EXEC_INFO: info }) });
  const status = { token: session.accessToken, expirationTimestamp: new Date(Math.floor(session.expiresAt / 1000) * 1000).toISOString().replace('.000Z', 'Z') };

  for (const apiVersion of ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1']) {
    const result = await kubectl(execInfo(apiVersion, 'https://k8s.example.com:6443'));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { kind: 'ExecCredential', apiVersion, status });
  }
  // No cluster information (no provideClusterInfo, or no KUBERNETES_EXEC_INFO at all): refused, unless the profile opts in.
  for (const info of [execInfo('client.authentication.k8s.io/v1'), undefined]) {
    const refused = await kubectl(info);
    assert.equal(refused.code, 1, refused.stderr);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /did not say which cluster.*provideClusterInfo: true.*credshare setup kubectl.*kubectlWithoutClusterInfo/);
  }
  const config = JSON.parse(fs.readFileSync(env.home.paths.config, 'utf8'));
  config.profiles.default.kubectlWithoutClusterInfo = true;
  fs.writeFileSync(env.home.paths.config, JSON.stringify(config), { mode: 0o600 });
  const none = await kubectl();
  assert.equal(none.code, 0, none.stderr);
  assert.equal(JSON.parse(none.stdout).apiVersion, 'client.authentication.k8s.io/v1', 'no KUBERNETES_EXEC_INFO: v1');
  assert.equal(JSON.parse((await kubectl(execInfo('client.authentication.k8s.io/v1beta1'))).stdout).status.token, session.accessToken);

  // provideClusterInfo: the server must be one of the profile's hosts.
  const ours = await kubectl(execInfo('client.authentication.k8s.io/v1', 'https://k8s.example.com:6443'));
  assert.equal(JSON.parse(ours.stdout).status.token, session.accessToken);
  for (const server of ['https://evil.example.com:6443', 'https://k8s.example.com', 'http://k8s.example.com:6443', 'not a url at all']) {
    const refused = await kubectl(execInfo('client.authentication.k8s.io/v1', server));
    assert.equal(refused.code, 1, server);
    assert.equal(refused.stdout, '', server);
    assert.match(refused.stderr, /is not one of the hosts/);
  }

  const old = await kubectl(execInfo('client.authentication.k8s.io/v1alpha1'));
  assert.equal(old.code, 2);
  assert.match(old.stderr, /v1alpha1.*not supported/);
  assert.equal((await kubectl('{oops')).code, 2);
});

test('kubectl: an expired token is refreshed once; signed out means exit 3 and what to run', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome({ hosts: ['k8s.example.com'] });
  t.after(() => env.close());
  env.expire();
  const info = { KUBERNETES_EXEC_INFO: execInfo('client.authentication.k8s.io/v1', 'https://k8s.example.com') };
  const result = await runCli(['helper', '--protocol', 'kubectl', 'get'], { ...env.home.env, ...info });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).status.token, env.home.readSession()!.accessToken);
  assert.equal(env.issuer.stats().refreshRequests, 1);
  const signedOut = await runCli(['helper', '--protocol', 'kubectl', 'get'], { ...env.home.env, ...info, CREDSHARE_PROFILE: 'other' });
  assert.equal(signedOut.code, 3);
  assert.match(signedOut.stderr, /credshare login/);
});
