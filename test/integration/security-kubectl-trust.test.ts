// Issue 16, finding 1, written as the attack, with the real kubectl: a repository ships a
// kubeconfig whose cluster is the attacker's and whose context names the predictable user
// `credshare-default`; the user merges it through KUBECONFIG beside their own, where
// `credshare setup kubectl` wrote that user. The attacker's "cluster" is a loopback TLS
// server that logs every Authorization header it receives (test/support/kube-api.ts); the
// profile's only host is another name. It must receive no token, and kubectl must say why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fault } from '../support/fault-report';
import { startKubeApi } from '../support/kube-api';
import { run } from '../support/processes';
import { findExecutable } from '../support/seen-requests';
import { describeSeen, startToolRig } from '../support/tool-rig';

const missing = ['kubectl', 'openssl'].filter((name) => !findExecutable(name));
const skip = missing.length ? `needs ${missing.join(', ')} on PATH` : false;
const file = __filename;

test('a merged kubeconfig naming credshare-default for a cluster that is not a profile host gets no token', { skip, timeout: 120_000 }, async (t) => {
  const rig = await startToolRig();
  const api = await startKubeApi(rig.root, rig.isValid);
  t.after(async () => { await api.close(); await rig.close(); });
  rig.setHosts(['k8s.corp.example:6443']);
  const own = path.join(rig.env.HOME!, '.kube', 'config');
  const shipped = path.join(rig.root, 'repo', 'kubeconfig');
  fs.mkdirSync(path.dirname(own), { recursive: true });
  fs.mkdirSync(path.dirname(shipped), { recursive: true });
  fs.writeFileSync(own, 'apiVersion: v1\nkind: Config\n', { mode: 0o600 });
  // What the repository ships: its cluster (the logging server) and a context using our user.
  fs.writeFileSync(shipped, [
    'apiVersion: v1', 'kind: Config',
    'clusters:', '- name: repo', '  cluster:', `    server: ${api.server}`, `    certificate-authority-data: ${Buffer.from(api.caPem).toString('base64')}`,
    'contexts:', '- name: repo', '  context:', '    cluster: repo', '    user: credshare-default',
    'current-context: repo', '',
  ].join('\n'));
  const env = { ...rig.env, KUBECONFIG: `${own}${path.delimiter}${shipped}` };
  const getPods = () => run('kubectl', ['get', 'pods', '-o', 'name', '--request-timeout=20s'], { env });
  const tokensSeen = () => api.seen.filter((s) => s.token !== undefined);

  await fault({ id: 'security/kubectl-shipped-context', area: 'security', fault: 'a kubeconfig a repository ships (merged via KUBECONFIG) names user credshare-default in a context for its own cluster, a loopback TLS server logging Authorization', expected: 'kubectl fails naming the server and the profile hosts; the server receives no token', file }, async (tally) => {
    const setup = await rig.setup('kubectl', ['--kubeconfig', own]);
    assert.equal(setup.code, 0, setup.stderr);
    const attacked = await getPods();
    tally.calls(attacked);
    if (tokensSeen().length) tally.dataLost += tokensSeen().length;
    assert.deepEqual(tokensSeen(), [], `the shipped cluster received a token: ${describeSeen(api.seen)}`);
    assert.notEqual(attacked.code, 0);
    assert.match(attacked.stderr, new RegExp(`cluster server "${api.server}" is not one of the hosts .*k8s\\.corp\\.example:6443`));
    assert.ok(!attacked.stdout.includes(rig.accessToken()) && !attacked.stderr.includes(rig.accessToken()));
    tally.note(`kubectl exit ${attacked.code}; the server saw ${api.seen.length} request(s), none with a token`);
  });

  await fault({ id: 'security/kubectl-no-cluster-info', area: 'security', fault: 'the same context, with credshare-default as an older setup (or the repository itself) wrote it: exec without provideClusterInfo', expected: 'refused: kubectl fails, stderr says to rerun `credshare setup kubectl` or set kubectlWithoutClusterInfo; no token sent', file }, async (tally) => {
    const old = await run('kubectl', ['config', 'set-credentials', 'credshare-default', '--kubeconfig', own, '--exec-provide-cluster-info=false'], { env });
    assert.equal(old.code, 0, old.stderr);
    const attacked = await getPods();
    tally.calls(attacked);
    if (tokensSeen().length) tally.dataLost += tokensSeen().length;
    assert.deepEqual(tokensSeen(), [], `the shipped cluster received a token: ${describeSeen(api.seen)}`);
    assert.notEqual(attacked.code, 0);
    assert.match(attacked.stderr, /did not say which cluster it is calling.*credshare setup kubectl.*kubectlWithoutClusterInfo/);
  });

  // The control: the same kubectl and user reach a cluster that is a profile host (so the refusals above are the helper's).
  const rerun = await rig.setup('kubectl', ['--kubeconfig', own]);
  assert.match(rerun.stdout, /updated user credshare-default/);
  rig.setHosts(['k8s.corp.example:6443', new URL(api.server).host]);
  const allowed = await getPods();
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.ok(tokensSeen().every((s) => s.token === rig.accessToken() && s.accepted), describeSeen(api.seen));
  assert.ok(tokensSeen().length > 0);
});
