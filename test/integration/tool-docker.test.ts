import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from '../support/processes';
import { startDockerRegistry } from '../support/docker-registry';
import { findExecutable, type SeenRequest } from '../support/seen-requests';
import { describeSeen, startToolRig } from '../support/tool-rig';

// The docker CLI is not a Debian package here (CI's image ships it in /usr/local/bin);
// docker-registry and openssl come from Debian (.ci/run installs them).
const missing = ['docker', 'docker-registry', 'openssl'].filter((name) => !findExecutable(name));
const skip = missing.length ? `needs ${missing.join(', ')} on PATH (the docker CLI; docker-registry and openssl from \`apt-get install docker-registry openssl\`)` : false;

test('the real docker CLI gets the token through credHelpers written by `credshare setup docker`, and one refresh after expiry', { skip, timeout: 120_000 }, async (t) => {
  const rig = await startToolRig();
  const registry = await startDockerRegistry(path.join(rig.root, 'registry'), rig.isValid);
  t.after(async () => { await registry.close(); await rig.close(); });
  rig.setHosts([registry.host]);
  const dockerConfig = path.join(rig.env.HOME!, '.docker');
  const env = { ...rig.env, DOCKER_CONFIG: dockerConfig };

  const setup = await rig.setup('docker', [], env);
  assert.equal(setup.code, 0, setup.stderr);
  const written = JSON.parse(fs.readFileSync(path.join(dockerConfig, 'config.json'), 'utf8'));
  assert.deepEqual(written.credHelpers, { [registry.host]: 'credshare' });
  assert.equal(written.credsStore, undefined, 'never the store for every registry');
  assert.match(setup.stdout, new RegExp(registry.host.replace(/\./g, '\\.')), 'setup says what it changed');
  t.diagnostic(`credshare setup docker: ${setup.stdout.trim()} -> ${JSON.stringify(written)}`);
  t.diagnostic(rig.native ? 'through the native client (docker-credential-credshare first on PATH) and the agent' : 'through the Node bins');

  const inspect = () => run('docker', ['manifest', 'inspect', '--insecure', registry.image], { env });

  const first = await inspect();
  assert.equal(first.code, 0, `${first.stderr}\nregistry saw: ${describeSeen(registry.seen)}`);
  assert.equal(JSON.parse(first.stdout).schemaVersion, 2);
  assert.equal(rig.refreshRequests(), 0, 'a fresh token needs no refresh');
  const firstToken = rig.accessToken();
  assertSentOnly(registry.seen.splice(0), firstToken);

  // Native: the first call ran the Node CLI and started the agent; from now on it answers.
  const servedBefore = await rig.agentServed();
  const oldToken = rig.expireAccessToken();
  const second = await inspect();
  assert.equal(second.code, 0, `${second.stderr}\nregistry saw: ${describeSeen(registry.seen)}`);
  assert.equal(rig.refreshRequests(), 1, 'exactly one refresh request reached the issuer');
  if (rig.native) assert.ok((await rig.agentServed())! > servedBefore!, 'the native client had the agent answer docker');
  const newToken = rig.accessToken();
  assert.notEqual(newToken, oldToken);
  const seen = registry.seen.splice(0);
  assertSentOnly(seen, newToken);
  t.diagnostic(`after expiry: ${rig.refreshRequests()} refresh request; registry saw ${describeSeen(seen)}`);
});

/** Every credentialed request was Basic with the helper's Secret as password, and got in. */
function assertSentOnly(seen: SeenRequest[], token: string): void {
  const credentialed = seen.filter((s) => s.scheme !== undefined);
  assert.ok(credentialed.length > 0, `docker sent credentials: ${describeSeen(seen)}`);
  for (const request of credentialed) {
    assert.equal(request.scheme, 'Basic', `docker answers a Basic challenge with Basic: ${describeSeen(seen)}`);
    assert.equal(request.username, 'oauth2', 'the helper\'s Username');
    assert.equal(request.token, token, 'the password docker sent is the current access token');
    assert.ok(request.accepted, describeSeen(seen));
  }
  // The first request has no credentials: docker pings /v2/, reads the challenge, then asks the helper.
  assert.equal(seen[0]!.scheme, undefined);
}
