import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from '../support/processes';
import { startCargoRegistry } from '../support/cargo-registry';
import { findExecutable, type SeenRequest } from '../support/seen-requests';
import { describeSeen, startToolRig } from '../support/tool-rig';

// cargo comes from rustup in CI's image (~/.cargo/bin), not from Debian.
const cargo = findExecutable('cargo', [path.join(process.env.HOME ?? '/root', '.cargo', 'bin')]);
const skip = cargo ? false : 'needs cargo (rustup, or apt-get install cargo)';

test('real cargo fetches from a Bearer-only sparse registry through the provider `credshare setup cargo` configured, one refresh after expiry', { skip, timeout: 180_000 }, async (t) => {
  const rig = await startToolRig();
  const registry = await startCargoRegistry(rig.root, rig.isValid);
  t.after(async () => { await registry.close(); await rig.close(); });
  rig.setHosts([new URL(registry.index.replace(/^sparse\+/, '')).host]);
  const cargoHome = path.join(rig.env.HOME!, '.cargo');
  fs.mkdirSync(cargoHome, { recursive: true });
  const configFile = path.join(cargoHome, 'config.toml');
  // The user's registry, as they would have it before setup: setup adds only the provider.
  fs.writeFileSync(configFile, `[net]\nretry = 0\n\n[registries.internal]\nindex = "${registry.index}"\n`);
  const env = { ...rig.env, CARGO_HOME: cargoHome, CARGO_TERM_COLOR: 'never' };

  const setup = await rig.setup('cargo', [], env);
  assert.equal(setup.code, 0, setup.stderr);
  const written = fs.readFileSync(configFile, 'utf8');
  // The provider is the installed credshare (setup writes its absolute path, as cargo runs it outside any shell PATH).
  assert.match(written, /\[registries\.internal\][^[]*credential-provider\s*=\s*\["[^"]*\/credshare",\s*"helper",\s*"--protocol",\s*"cargo"\]/);
  assert.match(written, /\[net\]\s*retry = 0/, 'other settings are kept');
  t.diagnostic(`credshare setup cargo: ${setup.stdout.trim()} -> ${JSON.stringify(written)}`);
  if (rig.native) assert.match(written, /credential-provider = \["[^"]*\/dist\/native\/[a-z0-9-]+\/credshare"/, 'setup wrote the native client');

  const project = path.join(rig.root, 'project');
  fs.mkdirSync(path.join(project, 'src'), { recursive: true });
  fs.writeFileSync(path.join(project, 'Cargo.toml'), [
    '[package]', 'name = "uses-the-registry"', 'version = "0.0.1"', 'edition = "2021"', '',
    '[dependencies]', `${registry.crate.name} = { version = "0.1", registry = "internal" }`, '',
  ].join('\n'));
  fs.writeFileSync(path.join(project, 'src', 'lib.rs'), '');
  // A fresh fetch each time (no lockfile, no registry cache), so cargo asks for the index and the .crate again.
  const fetch = () => {
    fs.rmSync(path.join(project, 'Cargo.lock'), { force: true });
    fs.rmSync(path.join(cargoHome, 'registry'), { recursive: true, force: true });
    return run(cargo as string, ['fetch'], { cwd: project, env });
  };

  const first = await fetch();
  assert.equal(first.code, 0, `${first.stderr}\nregistry saw: ${describeSeen(registry.seen)}`);
  assert.match(first.stderr, new RegExp(`Downloaded ${registry.crate.name} v${registry.crate.version}`));
  assert.equal(rig.refreshRequests(), 0, 'a fresh token needs no refresh');
  assertBearerAfterChallenge(registry.seen.splice(0), rig.accessToken());

  const servedBefore = await rig.agentServed();
  const oldToken = rig.expireAccessToken();
  const second = await fetch();
  assert.equal(second.code, 0, `${second.stderr}\nregistry saw: ${describeSeen(registry.seen)}`);
  assert.equal(rig.refreshRequests(), 1, 'exactly one refresh request reached the issuer');
  if (rig.native) assert.ok((await rig.agentServed())! > servedBefore!, 'the native client had the agent answer cargo');
  assert.notEqual(rig.accessToken(), oldToken);
  const seen = registry.seen.splice(0);
  assertBearerAfterChallenge(seen, rig.accessToken());
  t.diagnostic(`after expiry: ${rig.refreshRequests()} refresh request; registry saw ${describeSeen(seen)}`);
});

/**
 * cargo asks for config.json without credentials, reads the 401, then sends
 * `Authorization: Bearer <token>` on every request, the .crate download included.
 */
function assertBearerAfterChallenge(seen: SeenRequest[], token: string): void {
  assert.equal(seen[0]?.scheme, undefined, `the first request carries nothing: ${describeSeen(seen)}`);
  const rest = seen.slice(1);
  assert.ok(rest.some((s) => s.path.endsWith('/download')), `the .crate was downloaded: ${describeSeen(seen)}`);
  for (const request of rest) {
    assert.equal(request.scheme, 'Bearer', describeSeen(seen));
    assert.equal(request.token, token, 'cargo sent the current access token');
    assert.ok(request.accepted, describeSeen(seen));
  }
}
