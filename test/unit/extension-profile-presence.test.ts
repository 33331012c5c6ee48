// The startup gate's question "has anyone used credshare here?" and its wake-up when a
// profile is created elsewhere (another window, `credshare login` in a terminal).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveHome } from '../../src/core/paths';
import { ProfileAppearance, profileExists } from '../../src/extension/profile-presence';

function scratch(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-presence-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const profileConfig = JSON.stringify({ defaultProfile: 'default', profiles: { default: { issuer: 'https://id.example', clientId: 'c' } } });

test('profileExists: no home, no config, no profiles: false; a profile, or a file it cannot read as JSON: true', (t) => {
  const dir = scratch(t);
  const paths = resolveHome({ CREDSHARE_HOME: path.join(dir, 'home') });
  assert.equal(profileExists(paths), false);
  fs.mkdirSync(paths.home);
  fs.writeFileSync(paths.config, JSON.stringify({ defaultProfile: 'default', profiles: {} }));
  assert.equal(profileExists(paths), false);
  fs.writeFileSync(paths.config, profileConfig);
  assert.equal(profileExists(paths), true);
  fs.writeFileSync(paths.config, '{ half written');
  assert.equal(profileExists(paths), true, 'the extension wakes and reports the broken file');
});

test('ProfileAppearance wakes once when a profile is written, also into a home that did not exist yet', async (t) => {
  const dir = scratch(t);
  const paths = resolveHome({ CREDSHARE_HOME: path.join(dir, 'home') });
  let woke = 0;
  const woken = new Promise<void>((resolve) => {
    const appearance = new ProfileAppearance(paths, () => { woke++; resolve(); });
    t.after(() => appearance.dispose());
  });
  fs.mkdirSync(paths.home, { mode: 0o700 });
  await new Promise((r) => setTimeout(r, 100)); // the watcher moves from the parent to the home
  fs.writeFileSync(`${paths.config}.tmp`, profileConfig);
  fs.renameSync(`${paths.config}.tmp`, paths.config);
  await Promise.race([woken, new Promise((_, reject) => setTimeout(() => reject(new Error('no wake-up within 10 s')), 10_000))]);
  fs.writeFileSync(paths.config, profileConfig);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(woke, 1);
});
