// The terminal <-> window IPC of SecretStorage mode: the extension's IpcServer (no `vscode`
// import) and the CLI's client, over a real Unix socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { sessionOverIpc } from '../../src/cli/ipc-client';
import { RefreshFailedError, SignInRequiredError, UsageError } from '../../src/core/errors';
import { IPC_HANDLE_ENV, IPC_NONCE_ENV } from '../../src/core/ipc-protocol';
import { IpcServer, type IpcSessionHandler } from '../../src/extension/ipc-server';
import { fault } from '../support/fault-report';

const account = { id: 'alice', label: 'Alice' };

/** A window's IPC server, and the environment it gives a terminal of `profile`. */
async function start(t: { after(fn: () => void): void }, handler?: IpcSessionHandler, profile = 'default') {
  const asked: { profile: string; min: number | undefined }[] = [];
  const server = await IpcServer.listen(handler ?? (async (profile, min) => {
    asked.push({ profile, min });
    return { accessToken: `at-for-${profile}`, expiresAt: 42, scope: 'openid', account };
  }));
  t.after(() => server.dispose());
  return { server, asked, env: { [IPC_HANDLE_ENV]: server.handle, [IPC_NONCE_ENV]: server.nonceFor(profile) } };
}

test('a terminal with the window nonce gets a session, without the refresh token', { skip: process.platform === 'win32' }, async (t) => {
  const { env, asked } = await start(t, undefined, 'work');
  const session = await sessionOverIpc(env, 'work', 120);
  assert.equal(session.accessToken, 'at-for-work');
  assert.equal(session.refreshToken, '');
  assert.deepEqual(session.account, account);
  assert.deepEqual(asked, [{ profile: 'work', min: 120 }]);
});

test('a nonce opens only the profile the window gave the terminal: another profile is refused before the window is asked', { skip: process.platform === 'win32' }, async (t) => {
  const { env, asked, server } = await start(t, undefined, 'work');
  // A process that holds the terminal's nonce (it read the environment) asks for another profile.
  await fault({ id: 'security/ipc-other-profile', area: 'security', fault: 'a process holding a terminal\'s IPC nonce (profile "work") asks the window for profile "personal"', expected: 'refused before the window is asked', file: __filename }, async (tally) => {
    tally.tries++;
    await assert.rejects(sessionOverIpc(env, 'personal'), /refused.*another profile than the one the window gave this terminal/s);
  });
  await assert.rejects(sessionOverIpc({ ...env, [IPC_NONCE_ENV]: server.nonceFor('work').toUpperCase() }, 'work'), /refused/);
  assert.deepEqual(asked, [], 'the window was never asked');
  // The CLI itself says so before asking, when the terminal names its profile.
  await assert.rejects(sessionOverIpc({ ...env, CREDSHARE_PROFILE: 'work' }, 'personal'),
    (e: unknown) => e instanceof UsageError && /for profile "work" only, not "personal"/.test(e.message));
  assert.equal((await sessionOverIpc({ ...env, CREDSHARE_PROFILE: 'work' }, 'work')).accessToken, 'at-for-work');
});

test('refuses a request without the nonce, or with a wrong one, before asking for a session', { skip: process.platform === 'win32' }, async (t) => {
  const { env, server, asked } = await start(t);
  await assert.rejects(sessionOverIpc({ [IPC_HANDLE_ENV]: server.handle }, 'default'), /refused/);
  await assert.rejects(sessionOverIpc({ ...env, [IPC_NONCE_ENV]: 'x'.repeat(64) }, 'default'), /refused/);
  assert.equal(asked.length, 0);
});

test('the socket lives in a fresh 0700 directory of this user, removed on dispose', { skip: process.platform === 'win32' }, async (t) => {
  const { server } = await start(t);
  const dir = path.dirname(server.handle);
  const stat = fs.statSync(dir);
  assert.equal(stat.mode & 0o777, 0o700);
  assert.equal(stat.uid, process.getuid!());
  server.dispose();
  assert.equal(fs.existsSync(dir), false);
});

test('the window\'s errors reach the CLI with their exit codes: sign-in needed is 3', { skip: process.platform === 'win32' }, async (t) => {
  const errors = [new SignInRequiredError('Not signed in. Run "credshare: Sign In".'), new RefreshFailedError('issuer down; credentials kept')];
  const { env } = await start(t, async () => { throw errors.shift(); });
  await assert.rejects(sessionOverIpc(env, 'default'), (e: unknown) => e instanceof SignInRequiredError && e.exitCode === 3 && /Sign In/.test(e.message));
  await assert.rejects(sessionOverIpc(env, 'default'), (e: unknown) => e instanceof RefreshFailedError && /kept/.test(e.message));
});

test('a closed window is reported with what to do', { skip: process.platform === 'win32' }, async (t) => {
  const { env, server } = await start(t);
  server.dispose();
  await assert.rejects(sessionOverIpc(env, 'default'), /Cannot reach the VS Code window.*open a new terminal/s);
});

test('an oversized request is cut off', { skip: process.platform === 'win32' }, async (t) => {
  const { server, asked } = await start(t);
  const closed = await new Promise<boolean>((resolve) => {
    const socket = net.createConnection(server.handle, () => socket.write('x'.repeat(128 * 1024)));
    socket.on('close', () => resolve(true));
    socket.on('error', () => undefined);
  });
  assert.ok(closed);
  assert.equal(asked.length, 0);
});

test('answers a request that takes a while, after the client has half-closed its side', { skip: process.platform === 'win32' }, async (t) => {
  let calls = 0;
  const { env } = await start(t, async (profile) => {
    calls++;
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { accessToken: `slow-${profile}`, expiresAt: 1, scope: 'openid', account };
  });
  assert.equal((await sessionOverIpc(env, 'default')).accessToken, 'slow-default');
  assert.equal(calls, 1, 'one request, one session asked for');
});

test('`credshare status` in a SecretStorage window\'s terminal asks the window; `login` and `logout` there point to the window\'s commands', { skip: process.platform === 'win32' }, async (t) => {
  const { runCli } = await import('../support/processes');
  const { makeHome, sessionFixture } = await import('../support/home');
  // The home holds a different session: status must show the window's, not this one.
  const home = makeHome({ issuer: 'http://127.0.0.1:9' }); // nothing listens: doctor's discovery fails at once
  t.after(() => home.remove());
  home.writeSession(sessionFixture({ account: { id: 'file', label: 'From The File' } }));
  const before = fs.readFileSync(home.paths.credentials, 'utf8');
  let signedIn = true;
  const { env, asked } = await start(t, async (profile, min) => {
    asked.push({ profile, min });
    if (!signedIn) throw new SignInRequiredError('Not signed in. Run "credshare: Sign In".');
    return { accessToken: 'at-window', expiresAt: Date.now() + 600_000, scope: 'openid', account };
  });
  const childEnv = { ...home.env, ...env };

  const status = await runCli(['status'], childEnv);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^Account: +Alice \(alice\)$/m);
  assert.match(status.stdout, /^Token: +valid for (9m 5\d|10m 0)s/m);
  assert.match(status.stdout, /^Store: +the SecretStorage of the VS Code window/m);
  assert.doesNotMatch(status.stdout + status.stderr, /at-window|From The File/);
  assert.deepEqual(asked, [{ profile: 'default', min: 0 }], 'asked for the current session, no early refresh');
  const json = JSON.parse((await runCli(['status', '--json'], childEnv)).stdout);
  assert.equal(json.store, 'vscode-window');
  assert.equal(json.canRefresh, undefined, 'a terminal cannot know whether the window can refresh');

  signedIn = false;
  const out = await runCli(['status'], childEnv);
  assert.equal(out.code, 3);
  assert.match(out.stdout, /Signed out\. Run "credshare: Sign In" in the VS Code window/);

  for (const [command, action] of [['logout', 'Sign Out'], ['login', 'Sign In']] as const) {
    const refused = await runCli([command], childEnv);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`SecretStorage.*"credshare: ${action}" command.*unset ${IPC_HANDLE_ENV}`));
  }
  const doctor = await runCli(['doctor'], childEnv);
  assert.match(doctor.stdout, new RegExp(`^Window +this terminal's tokens come from the VS Code window at ${env[IPC_HANDLE_ENV]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `, 'm'));
  assert.ok(!doctor.stdout.includes(env[IPC_NONCE_ENV]!), 'doctor never shows the nonce');
  assert.equal(fs.readFileSync(home.paths.credentials, 'utf8'), before, 'the home\'s session was left alone');
});
