import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from '../support/processes';
import { startKubeApi } from '../support/kube-api';
import { findExecutable, type SeenRequest } from '../support/seen-requests';
import { describeSeen, startToolRig } from '../support/tool-rig';

// kubectl is not in Debian bookworm; CI's image has it (/usr/bin/kubectl). openssl is Debian's.
const missing = ['kubectl', 'openssl'].filter((name) => !findExecutable(name));
const skip = missing.length ? `needs ${missing.join(', ')} on PATH` : false;

test('real kubectl runs the exec user written by `credshare setup kubectl`, sends Bearer, and one refresh after expiry', { skip, timeout: 120_000 }, async (t) => {
  const rig = await startToolRig();
  const api = await startKubeApi(rig.root, rig.isValid);
  t.after(async () => { await api.close(); await rig.close(); });
  rig.setHosts([new URL(api.server).host]);
  const kubeconfig = path.join(rig.env.HOME!, '.kube', 'config');
  fs.mkdirSync(path.dirname(kubeconfig), { recursive: true });
  // The cluster and a context naming the user that setup adds; setup touches only its user.
  fs.writeFileSync(kubeconfig, [
    'apiVersion: v1', 'kind: Config',
    'clusters:', '- name: test', '  cluster:', `    server: ${api.server}`, `    certificate-authority-data: ${Buffer.from(api.caPem).toString('base64')}`,
    'contexts:', '- name: test', '  context:', '    cluster: test', '    user: credshare-default',
    'current-context: test', '',
  ].join('\n'));
  const env = { ...rig.env, KUBECONFIG: kubeconfig };

  const setup = await rig.setup('kubectl', ['--kubeconfig', kubeconfig]);
  assert.equal(setup.code, 0, setup.stderr);
  const view = await run('kubectl', ['config', 'view', '--kubeconfig', kubeconfig, '-o', 'json'], { env });
  assert.equal(view.code, 0, view.stderr);
  const config = JSON.parse(view.stdout);
  const user = config.users.find((u: { name: string }) => u.name === 'credshare-default');
  assert.ok(user?.user?.exec, `setup wrote an exec user credshare-default: ${view.stdout}`);
  assert.equal(path.basename(user.user.exec.command), 'credshare');
  if (rig.native) assert.match(user.user.exec.command, /\/dist\/native\/[a-z0-9-]+\/credshare$/, 'setup wrote the native client');
  assert.deepEqual(user.user.exec.args.slice(0, 3), ['helper', '--protocol', 'kubectl']);
  assert.equal(config.clusters[0].name, 'test', 'the cluster is kept');
  t.diagnostic(`credshare setup kubectl: ${setup.stdout.trim()} -> ${JSON.stringify(user)}`);

  const getPods = () => run('kubectl', ['get', 'pods', '--kubeconfig', kubeconfig, '-o', 'name'], { env });

  const first = await getPods();
  assert.equal(first.code, 0, `${first.stderr}\nAPI saw: ${describeSeen(api.seen)}`);
  assert.equal(first.stdout.trim(), api.pods.map((p) => `pod/${p}`).join('\n'));
  assert.equal(rig.refreshRequests(), 0, 'a fresh token needs no refresh');
  assertBearerOnly(api.seen.splice(0), rig.accessToken());

  const servedBefore = await rig.agentServed();
  const oldToken = rig.expireAccessToken();
  const second = await getPods();
  assert.equal(second.code, 0, `${second.stderr}\nAPI saw: ${describeSeen(api.seen)}`);
  assert.equal(rig.refreshRequests(), 1, 'exactly one refresh request reached the issuer');
  if (rig.native) assert.ok((await rig.agentServed())! > servedBefore!, 'the native client had the agent answer kubectl');
  assert.notEqual(rig.accessToken(), oldToken);
  const seen = api.seen.splice(0);
  assertBearerOnly(seen, rig.accessToken());
  t.diagnostic(`after expiry: ${rig.refreshRequests()} refresh request; API saw ${describeSeen(seen)}`);
});

/**
 * Every API request was Bearer with this token. Only a `/version` probe may come without
 * credentials: the Google Cloud SDK's kubectl (the one on CI's image, "-dispatcher") asks
 * for the server version to pick a kubectl release, without running exec plugins.
 */
function assertBearerOnly(seen: SeenRequest[], token: string): void {
  assert.ok(seen.some((s) => s.path.startsWith('/api/v1/namespaces/default/pods')), describeSeen(seen));
  for (const request of seen.filter((s) => s.scheme !== undefined || !s.path.startsWith('/version'))) {
    assert.equal(request.scheme, 'Bearer', describeSeen(seen));
    assert.equal(request.token, token, 'kubectl sent the current access token');
    assert.ok(request.accepted, describeSeen(seen));
  }
}
