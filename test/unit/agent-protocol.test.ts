// The agent protocol's pure parts (docs/agent-protocol.md): framing split anywhere across
// reads, the 1 MiB cap and per-side frame types; the socket path rule; the home caches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FrameReader, FrameType, MAX_PAYLOAD, ProtocolViolation, encodeFrame } from '../../src/agent/frames';
import { agentId, agentPaths, checkSocketDirectory, socketDirectory } from '../../src/agent/socket-path';
import { HomeState } from '../../src/agent/home-state';
import { resolveHome } from '../../src/core/paths';
import { makeHome, sessionFixture } from '../support/home';

test('frames survive any split across reads, in order', () => {
  const frames = [encodeFrame(FrameType.accept, '{"protocol":1}'), encodeFrame(FrameType.stdout, Buffer.from('token\n')), encodeFrame(FrameType.keepAlive), encodeFrame(FrameType.exit, '{"code":0}')];
  const bytes = Buffer.concat(frames);
  for (let size = 1; size <= bytes.length; size++) {
    const reader = new FrameReader('agent');
    const got = [];
    for (let offset = 0; offset < bytes.length; offset += size) got.push(...reader.push(bytes.subarray(offset, offset + size)));
    assert.deepEqual(got.map((f) => [f.type, f.payload.toString()]), [['A', '{"protocol":1}'], ['O', 'token\n'], ['K', ''], ['X', '{"code":0}']], `chunks of ${size}`);
  }
});

test('a length over 1 MiB and a type the other side never sends are refused before any payload is read', () => {
  const head = Buffer.alloc(5);
  head.write('Q', 0, 'latin1');
  head.writeUInt32BE(MAX_PAYLOAD + 1, 1);
  assert.throws(() => new FrameReader('client').push(head), ProtocolViolation);
  const exact = Buffer.alloc(5);
  exact.write('I', 0, 'latin1');
  exact.writeUInt32BE(MAX_PAYLOAD, 1);
  assert.deepEqual(new FrameReader('client').push(exact), [], 'exactly 1 MiB is allowed (and waits for its payload)');
  assert.throws(() => new FrameReader('client').push(encodeFrame(FrameType.stdout, 'x')), ProtocolViolation, 'O is the agent\'s');
  assert.throws(() => new FrameReader('agent').push(encodeFrame(FrameType.request, '{}')), ProtocolViolation, 'Q is the client\'s');
});

test('the socket path: the id is the SHA-256 prefix of the absolute home; XDG_RUNTIME_DIR, else TMPDIR, else /tmp, absolute paths only', () => {
  const home = '/home/alice/.config/credshare';
  assert.equal(agentId(home), createHash('sha256').update(home).digest('hex').slice(0, 16));
  const uid = process.getuid!();
  assert.equal(socketDirectory({ XDG_RUNTIME_DIR: '/run/user/1000' }), '/run/user/1000/credshare');
  assert.equal(socketDirectory({ XDG_RUNTIME_DIR: 'relative', TMPDIR: '/var/tmp/' }), `/var/tmp/credshare-${uid}`);
  assert.equal(socketDirectory({ TMPDIR: '' }), `/tmp/credshare-${uid}`);
  // A relative home against the request's working directory, cleaned, no symlinks resolved.
  const paths = agentPaths({ CREDSHARE_HOME: '../h//x/', XDG_RUNTIME_DIR: '/run/u' }, '/work/a');
  assert.deepEqual([paths.home, paths.socket], ['/work/h/x', `/run/u/credshare/agent-${agentId('/work/h/x')}.sock`]);
  assert.equal(agentPaths({ HOME: '/home/bob' }).home, '/home/bob/.config/credshare', 'the request\'s HOME, not the process\'s');
  assert.equal(agentPaths({ XDG_CONFIG_HOME: 'cfg', HOME: '/home/bob' }, '/w').home, '/w/cfg/credshare');
});

test('a socket directory that is a link, open to others, or not a directory is refused; a missing one is made 0700', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-sockdir-'));
  try {
    const made = path.join(base, 'made');
    assert.equal(checkSocketDirectory(made, false), false);
    assert.equal(checkSocketDirectory(made, true), true);
    assert.equal(fs.statSync(made).mode & 0o777, 0o700);
    const open = path.join(base, 'open');
    fs.mkdirSync(open, { mode: 0o700 });
    fs.chmodSync(open, 0o711);
    assert.throws(() => checkSocketDirectory(open, true), /mode 0711/);
    fs.symlinkSync(made, path.join(base, 'link'));
    assert.throws(() => checkSocketDirectory(path.join(base, 'link'), true), /symbolic link/);
    fs.writeFileSync(path.join(base, 'file'), '');
    assert.throws(() => checkSocketDirectory(path.join(base, 'file'), true), /not a directory/);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('the agent\'s home caches: unchanged files are not re-read; a rename, an edit, a chmod or a removal is seen at the next read', async () => {
  const home = makeHome();
  try {
    home.writeSession(sessionFixture({ accessToken: 'at-1', expiresAt: Date.now() + 3_600_000 }));
    const state = new HomeState(resolveHome(home.env));
    const store = state.credentials;
    const first = store.readDocument();
    assert.equal(store.readDocument(), first, 'the same object while unchanged');
    assert.ok(Object.isFrozen(first!.sessions.default), 'shared between requests: frozen');
    home.writeSession(sessionFixture({ accessToken: 'at-2', expiresAt: Date.now() + 3_600_000 }));
    assert.equal((await store.read('default'))!.accessToken, 'at-2', 'a rename (new inode)');
    fs.chmodSync(home.paths.credentials, 0o644);
    assert.throws(() => store.readDocument(), /can be read by other users/, 'a chmod: refused, as the CLI refuses it');
    fs.chmodSync(home.paths.credentials, 0o600);
    fs.rmSync(home.paths.credentials);
    assert.equal(await store.read('default'), undefined, 'removed: signed out');
    const paths = resolveHome(home.env);
    const config = state.config(paths);
    assert.equal(state.config(paths), config, 'config.json kept while unchanged');
    const raw = JSON.parse(fs.readFileSync(paths.config, 'utf8'));
    fs.writeFileSync(paths.config, JSON.stringify({ ...raw, defaultProfile: 'other' }));
    assert.equal(state.config(paths).defaultProfile, 'other', 'an edit in place');
    fs.chmodSync(paths.home, 0o777);
    assert.throws(() => state.config(paths), /can be written by other users/, 'a home the CLI refuses');
    fs.chmodSync(paths.home, 0o700);
  } finally {
    home.remove();
  }
});
