// Fault suite, fast part: the credential store and its home (docs/faults.md). Corrupt or
// foreign files, a newer format, loose permissions, planted symlinks, a read-only home and
// a full disk. Expected: a clear error naming the file and what to do, a non-zero exit,
// nothing overwritten, no secret in a file others can read, and never a refresh token
// spent whose successor cannot be stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveHome } from '../../src/core/paths';
import { fault, skippedFault, type Tally } from '../support/fault-report';
import { runCli, type Finished } from '../support/processes';
import { signedInHome, type SignedInHome } from '../support/issuer-home';
import { assertStoreIntact, scratchDir, secretsOf, secretsReadableByOthers, sessionAlive } from '../support/fault-env';
import { fillUntil, mountTmpfs, type Tmpfs } from '../support/tmpfs';

const file = __filename;
const TIMINGS = { lockStaleMs: 2000, lockTimeoutMs: 20_000, requestTimeoutMs: 10_000 };
const gitGet = ['helper', '--protocol', 'git', 'get'];
const gitInput = 'protocol=https\nhost=artifacts.example.com\npath=x.git\n\n';

/** The commands every store fault is tried with: a read, a helper, a write. */
async function tryCommands(env: NodeJS.ProcessEnv, tally: Tally): Promise<Finished[]> {
  const results = [
    await runCli(['token'], env),
    await runCli(gitGet, env, gitInput),
    await runCli(['status'], env),
    await runCli(['logout'], env),
  ];
  tally.calls(...results);
  return results;
}

function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (p: string): void => {
    const stat = fs.lstatSync(p);
    if (stat.isSymbolicLink()) files.set(p, `-> ${fs.readlinkSync(p)}`);
    else if (stat.isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name));
    else files.set(p, `${(stat.mode & 0o777).toString(8)} ${fs.readFileSync(p, 'utf8')}`);
  };
  walk(dir);
  return files;
}

/** Each store fault: what to plant, and what the error must say. */
const CORRUPTIONS: { id: string; fault: string; plant: (env: SignedInHome, dir: string) => { credentialsFile: string; watch: string }; says: RegExp }[] = [
  { id: 'empty-file', fault: 'credentials.json is empty', says: /is empty/, plant: (env) => { fs.writeFileSync(env.home.paths.credentials, ''); return { credentialsFile: env.home.paths.credentials, watch: env.home.paths.home }; } },
  { id: 'truncated-json', fault: 'credentials.json is truncated JSON', says: /not valid JSON/, plant: (env) => { const text = fs.readFileSync(env.home.paths.credentials, 'utf8'); fs.writeFileSync(env.home.paths.credentials, text.slice(0, text.length / 2)); return { credentialsFile: env.home.paths.credentials, watch: env.home.paths.home }; } },
  { id: 'other-shape', fault: 'credentials.json is valid JSON of another shape', says: /not a credshare credentials file/, plant: (env) => { fs.writeFileSync(env.home.paths.credentials, JSON.stringify({ tokens: [{ token: 'abc' }] })); return { credentialsFile: env.home.paths.credentials, watch: env.home.paths.home }; } },
  { id: 'higher-version', fault: 'credentials.json has "version": 2 (a newer credshare)', says: /newer credshare.*Upgrade credshare/, plant: (env) => { const doc = JSON.parse(fs.readFileSync(env.home.paths.credentials, 'utf8')); fs.writeFileSync(env.home.paths.credentials, JSON.stringify({ ...doc, version: 2 })); return { credentialsFile: env.home.paths.credentials, watch: env.home.paths.home }; } },
  { id: 'world-readable', fault: 'credentials.json is mode 0644 (others can read it)', says: /can be read by other users \(mode 0644\).*chmod 600/, plant: (env) => { fs.chmodSync(env.home.paths.credentials, 0o644); return { credentialsFile: env.home.paths.credentials, watch: env.home.paths.home }; } },
  {
    id: 'symlink-file', fault: 'credentials.json is a symlink planted to another file', says: /is a symbolic link/,
    plant: (env, dir) => {
      const target = path.join(dir, 'elsewhere.json');
      fs.renameSync(env.home.paths.credentials, target);
      fs.symlinkSync(target, env.home.paths.credentials);
      return { credentialsFile: env.home.paths.credentials, watch: dir };
    },
  },
];

for (const corruption of CORRUPTIONS) {
  test(`store fault "${corruption.fault}": every command fails clearly naming the file, nothing is overwritten`, { timeout: 60_000 }, async (t) => {
    const env = await signedInHome({ timings: TIMINGS });
    t.after(() => env.close());
    const dir = scratchDir(t);
    await fault({ id: `store/${corruption.id}`, area: 'store', fault: corruption.fault, expected: 'token, helper, status, logout: exit 1 naming the file and what to do; no file changed; no secret readable by others', file }, async (tally) => {
      const secrets = secretsOf(env.home.readSession());
      const { credentialsFile, watch } = corruption.plant(env, dir);
      const before = snapshot(watch);
      const results = await tryCommands(env.home.env, tally);
      for (const r of results) {
        assert.equal(r.code, 1, `exit 1: ${r.stderr}`);
        assert.ok(r.stderr.includes(credentialsFile), `names the file: ${r.stderr}`);
        assert.match(r.stderr, corruption.says);
        assert.equal(r.stdout.trim() === '' || !secrets.some((s) => r.stdout.includes(s)), true, 'no token printed from an unusable store');
        for (const s of secrets) assert.ok(!r.stderr.includes(s), 'no token in the message');
      }
      const after = snapshot(watch);
      const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k) && !/refresh\.lock|refresh-claims|lock\.owner/.test(k));
      tally.dataLost += changed.length;
      assert.deepEqual(changed, [], 'nothing overwritten');
      assert.equal(env.issuer.stats().refreshRequests, 0);
      assert.deepEqual(secretsReadableByOthers(env.home.paths.home, secrets).filter((f) => corruption.id !== 'world-readable' || !f.startsWith(env.home.paths.credentials)), [], 'no secret newly readable by others');
    });
  });
}

test('store fault: a symlink planted in place of the home: refused everywhere, nothing written through it', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome({ timings: TIMINGS });
  t.after(() => env.close());
  const dir = scratchDir(t);
  await fault({ id: 'store/symlink-home', area: 'store', fault: 'the credshare home is a symlink planted to another directory', expected: 'every command exits 1 naming the home; nothing written through the link', file }, async (tally) => {
    const real = path.join(dir, 'real-home');
    fs.renameSync(env.home.paths.home, real);
    fs.symlinkSync(real, env.home.paths.home);
    // The token is fresh: even the lock-free fast path must refuse.
    const before = snapshot(real);
    const results = await tryCommands(env.home.env, tally);
    for (const r of results) {
      assert.equal(r.code, 1, `exit 1: ${r.stderr}`);
      assert.ok(r.stderr.includes(env.home.paths.home), `names the home: ${r.stderr}`);
      assert.match(r.stderr, /symbolic link/);
    }
    const after = snapshot(real);
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k));
    tally.dataLost += changed.length;
    assert.deepEqual(changed, [], 'nothing written through the link');
  });
});

/** A signed-in home moved onto a small tmpfs, or the reason there is none. */
async function homeOnTmpfs(t: { after(fn: () => void | Promise<void>): void }, env: SignedInHome, sizeKb: number): Promise<{ fsys: Tmpfs; childEnv: NodeJS.ProcessEnv; credentials: string } | string> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-tmpfs-'));
  const fsys = mountTmpfs(path.join(root, 'mnt'), sizeKb);
  t.after(() => {
    if (!('unavailable' in fsys)) fsys.unmount();
    fs.rmSync(root, { recursive: true, force: true });
  });
  if ('unavailable' in fsys) return fsys.unavailable;
  const home = path.join(fsys.dir, 'home');
  fs.mkdirSync(home, { mode: 0o700 });
  for (const name of ['config.json', 'credentials.json']) fs.copyFileSync(path.join(env.home.paths.home, name), path.join(home, name));
  return { fsys, childEnv: { ...env.home.env, CREDSHARE_HOME: home }, credentials: resolveHome({ CREDSHARE_HOME: home }).credentials };
}

function expireAt(credentials: string): void {
  const doc = JSON.parse(fs.readFileSync(credentials, 'utf8'));
  doc.sessions.default.expiresAt = Date.now() - 1000;
  fs.writeFileSync(credentials, JSON.stringify(doc), { mode: 0o600 });
}

test('store fault: a read-only home: a fresh token is still served; a refresh fails clearly without spending the token', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome({ timings: TIMINGS });
  t.after(() => env.close());
  const meta = { id: 'store/read-only-home', area: 'store' as const, fault: 'the home is on a read-only file system (tmpfs remounted ro)', expected: 'fresh token served; a needed refresh exits 1 naming the home and what to do, with no request to the issuer; nothing changed', file };
  const mounted = await homeOnTmpfs(t, env, 256);
  if (typeof mounted === 'string') { skippedFault(meta, mounted); t.skip(mounted); return; }
  await fault(meta, async (tally) => {
    const { fsys, childEnv, credentials } = mounted;
    const fresh = await runCli(['token'], childEnv);
    tally.tries++;
    assert.equal(fresh.code, 0, fresh.stderr);
    expireAt(credentials);
    const before = fs.readFileSync(credentials, 'utf8');
    fsys.remountReadOnly();
    for (const args of [['token'], ['logout']]) {
      const r = await runCli(args, childEnv);
      tally.calls(r);
      assert.equal(r.code, 1, r.stderr);
      assert.ok(r.stderr.includes(childEnv.CREDSHARE_HOME!), `names the home: ${r.stderr}`);
      assert.match(r.stderr, /read-only|EROFS/);
    }
    assert.equal(env.issuer.stats().refreshRequests, 0, 'no refresh without a place to keep its result');
    assert.equal(fs.readFileSync(credentials, 'utf8'), before);
    const stored = JSON.parse(before).sessions.default;
    assert.equal(await env.issuer.isRefreshTokenUsable(stored.refreshToken), true, 'the session is still good');
  });
});

test('store fault: a full disk at every fill level: a refresh either completes or fails before the token is spent', { timeout: 120_000 }, async (t) => {
  const env = await signedInHome({ timings: TIMINGS });
  t.after(() => env.close());
  const meta = { id: 'store/disk-full', area: 'store' as const, fault: 'the home\'s file system is full, or nearly (64 KiB tmpfs, 0 to 5 pages left)', expected: 'each refresh either succeeds and is stored, or exits 1 "disk is full" with the token unspent; never a spent token with its successor unstored', file };
  const mounted = await homeOnTmpfs(t, env, 64);
  if (typeof mounted === 'string') { skippedFault(meta, mounted); t.skip(mounted); return; }
  await fault(meta, async (tally) => {
    const { fsys, childEnv, credentials } = mounted;
    const outcomes: string[] = [];
    for (let pages = 0; pages <= 5; pages++) {
      expireAt(credentials);
      fs.rmSync(path.join(fsys.dir, 'filler'), { force: true });
      fillUntil(fsys, pages * 4096);
      const before = JSON.parse(fs.readFileSync(credentials, 'utf8')).sessions.default;
      const r = await runCli(['token'], childEnv);
      tally.calls(r);
      assertStoreIntact(credentials);
      const after = JSON.parse(fs.readFileSync(credentials, 'utf8')).sessions.default;
      const alive = await env.issuer.isRefreshTokenUsable(after.refreshToken);
      if (!alive) tally.sessionsLost++;
      outcomes.push(`${pages} page(s) free: exit ${r.code}${alive ? '' : ' SESSION LOST'}`);
      if (r.code === 0) {
        assert.notEqual(after.refreshToken, before.refreshToken, 'the rotated token was stored');
      } else {
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /disk is full|ENOSPC/);
        assert.equal(after.refreshToken, before.refreshToken);
      }
      assert.ok(alive, `${pages} page(s) free: the session survives (${r.stderr.trim()})`);
      if (!alive) break;
    }
    tally.note(outcomes.join('; '));
  });
});

test('store fault: no secret ever lands in a file others can read, whatever the umask', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome({ timings: TIMINGS });
  t.after(() => env.close());
  await fault({ id: 'store/umask-000', area: 'store', fault: 'refresh and sign-out under umask 000', expected: 'every file holding a token is 0600 in a 0700 home', file }, async (tally) => {
    const old = process.umask(0);
    try {
      env.expire();
      const r = await runCli(['token'], env.home.env);
      tally.tries++;
      assert.equal(r.code, 0, r.stderr);
      const secrets = [...secretsOf(env.home.readSession())];
      const leaks = secretsReadableByOthers(env.home.paths.home, secrets);
      tally.dataLost += leaks.length;
      assert.deepEqual(leaks, []);
      assert.equal(fs.statSync(env.home.paths.home).mode & 0o777, 0o700);
      assert.ok(await sessionAlive(env));
    } finally {
      process.umask(old);
    }
  });
});
