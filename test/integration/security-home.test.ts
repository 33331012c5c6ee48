// Issue 12, finding 1, the terminal side: a home another user owns or can write to, whose
// config.json lists the attacker's host. A terminal of a SecretStorage window (tokens over
// IPC from the window) and a plain CLI must both refuse it, naming the directory, and give
// no token for the planted host. The window's own side is test/unit/extension-home-check.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IPC_HANDLE_ENV, IPC_NONCE_ENV } from '../../src/core/ipc-protocol';
import { IpcServer } from '../../src/extension/ipc-server';
import { scratchDir } from '../support/fault-env';
import { fault } from '../support/fault-report';
import { makeHome } from '../support/home';
import { runCli } from '../support/processes';

const file = __filename;
const TOKEN = 'window-access-token-0123456789';
const canChown = process.platform !== 'win32' && process.getuid?.() === 0;

function plantHome(dir: string, how: 'foreign-owned' | 'writable by others'): string {
  const home = path.join(dir, 'credshare');
  fs.mkdirSync(home);
  fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify({ defaultProfile: 'default', profiles: { default: { issuer: 'https://issuer.example.com', clientId: 'cli', hosts: ['attacker.example.com'] } } }));
  if (how === 'foreign-owned') {
    fs.chownSync(home, 12345, 12345);
    fs.chownSync(path.join(home, 'config.json'), 12345, 12345);
  } else {
    fs.chmodSync(home, 0o777);
  }
  return home;
}

for (const how of ['foreign-owned', 'writable by others'] as const) {
  test(`a terminal of a SecretStorage window refuses a ${how} home and gives no token for the hosts it lists`, { timeout: 30_000, skip: process.platform === 'win32' || (how === 'foreign-owned' && !canChown) }, async (t) => {
    const home = plantHome(scratchDir(t), how);
    const asked: string[] = [];
    const server = await IpcServer.listen(async (profile) => {
      asked.push(profile);
      return { accessToken: TOKEN, expiresAt: Date.now() + 600_000, scope: 'openid', account: { id: 'alice', label: 'Alice' } };
    });
    t.after(() => server.dispose());
    await fault({ id: `security/${how === 'foreign-owned' ? 'foreign' : 'writable'}-home-terminal`, area: 'security', fault: `CREDSHARE_HOME is ${how} and lists the attacker's host; a SecretStorage window's terminal runs the git helper for it`, expected: 'exit 1 naming the home and the fix; no token; the window is not asked', file }, async (tally) => {
      const env = { ...process.env, CREDSHARE_HOME: home, CREDSHARE_PROFILE: '', [IPC_HANDLE_ENV]: server.handle, [IPC_NONCE_ENV]: server.nonceFor('default') };
      const result = await runCli(['helper', '--protocol', 'git', 'get'], env, 'protocol=https\nhost=attacker.example.com\npath=x.git\n\n');
      tally.calls(result);
      assert.equal(result.code, 1, `${result.stdout}${result.stderr}`);
      assert.ok(!result.stdout.includes(TOKEN), 'no token on stdout');
      if (result.stdout.includes(TOKEN)) tally.dataLost++;
      assert.ok(result.stderr.includes(home), result.stderr);
      assert.match(result.stderr, how === 'foreign-owned' ? /owned by another user \(uid 12345\)/ : /can be written by other users \(mode 0777\).*chmod 700/);
      assert.deepEqual(asked, [], 'the window was never asked for a token');
    });
  });
}

test('the CLI refuses a home of its own that others can write to, and accepts it again once it is 0700', { timeout: 30_000 }, async (t) => {
  const home = makeHome();
  t.after(() => home.remove());
  await fault({ id: 'security/writable-home-cli', area: 'security', fault: 'the credshare home is mode 0777 (anyone could have planted config.json or discovery-cache.json)', expected: 'every command exits 1 naming the home and `chmod 700`; after chmod 700 it works again', file }, async (tally) => {
    fs.chmodSync(home.paths.home, 0o777);
    const before = fs.readFileSync(home.paths.config, 'utf8');
    for (const args of [['status'], ['token'], ['login', '--device']]) {
      const result = await runCli(args, home.env);
      tally.calls(result);
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /can be written by other users \(mode 0777\).*chmod 700/);
    }
    assert.equal(fs.readFileSync(home.paths.config, 'utf8'), before, 'nothing rewritten');
    fs.chmodSync(home.paths.home, 0o700);
    assert.equal((await runCli(['status'], home.env)).code, 3, 'usable again (signed out: exit 3)');
  });
});
