// credshare.store = secretStorage, for real in code-server, whose web workbench does NOT share
// SecretStorage between open windows (test/e2e/README.md). What must hold:
// - with one window, tokens live in SecretStorage only (no credentials.json), and the
//   window's terminals get them over the IPC socket with the window's nonce (never a token
//   in the environment, the nonce never persisted);
// - a second window makes the sharing probe find out; the windows move the session to the
//   shared store and say so (one notification), and keep working: an expired token still
//   causes one refresh request for both windows, and nobody is signed out.
// The shared-SecretStorage case cannot run here; it is covered with an in-memory fake in
// test/unit/extension-secret-store.test.ts.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe } from 'node:test';
import type { Session } from '../../src/core/session';
import { waitFor, type VsCodeWindow } from './harness/index';
import {
  CREDSHARE, CREDSHARE_LOG_CHANNEL, CREDSHARE_STATUS, browserStorage, filesContaining, leaksIn, processCommandLines,
  pickAccount, signInFromPalette, storedSession, tokensOf,
} from './harness/credshare';
import { scenarioRig } from './harness/scenario-rig';

// The account label is a stable identifier (the email: the issuer sends no preferred_username), not the display name.
const ACCOUNT_LABEL = 'bob@example.test';

interface SessionResult { ok: boolean; accessToken?: string; error?: string; at: string }

describe('credshare extension with credshare.store = secretStorage (code-server: not shared between windows)', { timeout: 10 * 60_000 }, () => {
  const rig = scenarioRig({
    name: 'scenarios-secret-storage', failedPrefix: 'secrets', firstWindows: 1,
    settings: (issuer) => ({ 'credshare.store': 'secretStorage', 'credshare.issuer': issuer.url, 'credshare.clientId': issuer.clientId }),
  });
  const { step } = rig;
  let w1: VsCodeWindow;
  let w2: VsCodeWindow;
  let inSecrets: string | undefined;
  const seen: (Session | undefined)[] = [];
  const consumerGet = (w: VsCodeWindow) => rig.consumerGet<SessionResult>(w);
  const readText = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');

  step('5a. one window: the sign-in lives in SecretStorage only, and a terminal gets tokens over IPC with the window nonce', async () => {
    w1 = rig.windows[0]!;
    await rig.admin.resetStats();
    await signInFromPalette(w1, rig.admin, 'bob');
    await w1.waitForStatusBarText(CREDSHARE_STATUS, ACCOUNT_LABEL);
    assert.equal(storedSession(rig.server.credshareHome), undefined, 'no credentials.json session: the tokens are in SecretStorage');
    const since = Date.now();
    await w1.runCommand('credshare e2e: Get Session (create if none)');
    await w1.clickDialogButton('Allow');
    await pickAccount(w1, ACCOUNT_LABEL);
    const got = await w1.waitForResult<SessionResult>('get-session-create.json', { newerThan: since });
    assert.equal(got.ok, true, JSON.stringify(got));
    inSecrets = got.accessToken;
    assert.equal(await rig.admin.accessTokenValid(inSecrets!), true);

    await w1.openTerminal();
    const t = rig.terminalDir;
    await w1.typeInTerminal(`env > ${t}/env.txt; credshare token > ${t}/token.txt 2>${t}/token.err; echo "exit $?" >> ${t}/token.err; `
      + `CREDSHARE_IPC_NONCE=forged credshare token > ${t}/forged.txt 2>&1; echo "exit $?" >> ${t}/forged.txt; `
      + `credshare status > ${t}/status.txt 2>&1; echo "exit $?" >> ${t}/status.txt; credshare logout > ${t}/logout.txt 2>&1; echo "exit $?" >> ${t}/logout.txt`);
    await waitFor('the terminal commands', () => ['forged.txt', 'token.err', 'status.txt', 'logout.txt'].every((f) => /exit \d/.test(readText(`${t}/${f}`))), 30_000);
    assert.equal(readText(`${t}/token.txt`).trim(), inSecrets, `credshare token in the terminal: ${readText(`${t}/token.err`)}`);
    assert.match(readText(`${t}/forged.txt`), /refused/);
    assert.match(readText(`${t}/forged.txt`), /exit 1/);
    // status asks the window (the home holds no session in this mode); logout points to the window.
    assert.match(readText(`${t}/status.txt`), new RegExp(`^Account: +${ACCOUNT_LABEL}`, 'm'));
    assert.match(readText(`${t}/status.txt`), /^Store: +the SecretStorage of the VS Code window/m);
    assert.match(readText(`${t}/status.txt`), /^exit 0$/m);
    assert.match(readText(`${t}/logout.txt`), /"credshare: Sign Out" command/);
    assert.match(readText(`${t}/logout.txt`), /^exit 1$/m);
    const env = readText(`${t}/env.txt`);
    const handle = /^CREDSHARE_IPC_HANDLE=(.+)$/m.exec(env)?.[1];
    const nonce = /^CREDSHARE_IPC_NONCE=(.+)$/m.exec(env)?.[1];
    assert.ok(handle && nonce, 'the terminal has the IPC handle and nonce');
    assert.equal(statSync(path.dirname(handle)).mode & 0o777, 0o700, 'the socket dir is 0700');
    assert.deepEqual(filesContaining(rig.server.userDataDir, [nonce, inSecrets!]), [], 'neither the nonce nor the token is persisted in the user-data dir');
    // Nor in the browser's storage, where the web workbench persists environment collections
    // (SecretStorage is there too, but encrypted: the token must not appear in clear).
    assert.deepEqual(leaksIn({ 'browser storage': await browserStorage(rig.browser.context) }, [nonce, inSecrets!]), []);
    assert.equal((await rig.admin.stats()).refreshRequests, 0);
  });

  step('5b. a second window: the probe finds SecretStorage not shared; both windows move to the shared store and say so', async () => {
    [w2] = await rig.openWindows(1);
    // Window 1 (open before window 2 wrote its probe) cannot see that write: it finds out, tells the user once.
    await waitFor('the "not shared" notification in window 1', async () =>
      (await w1.notifications()).some((n) => /SecretStorage is not shared between the windows/.test(n.message)), 30_000, 250);
    await w1.screenshot('vscode-secret-storage-fallback');
    const stored = await waitFor('the session in credentials.json', () => storedSession(rig.server.credshareHome), 30_000);
    seen.push(stored);
    assert.equal(stored.accessToken, inSecrets, 'the session moved, it was not signed in again');
    for (const w of [w1, w2]) await w.waitForStatusBarText(CREDSHARE_STATUS, ACCOUNT_LABEL);
    for (const w of [w1, w2]) {
      await waitFor(`window ${w.index} logs the fallback`, async () => /not shared between the windows/.test(await w.outputChannelLog(CREDSHARE, CREDSHARE_LOG_CHANNEL)), 30_000, 250);
    }
    const probe = JSON.parse(readFileSync(path.join(rig.server.userDataDir, 'User', 'globalStorage', CREDSHARE, 'secret-storage-probe.json'), 'utf8'));
    assert.ok(probe.notShared, 'the verdict is recorded for windows opened later');
    assert.equal((await rig.admin.stats()).refreshRequests, 0);
  });

  step('5c. after the fallback: an expired token, both windows ask at once: one refresh, both get it, nobody signed out', async () => {
    const before = storedSession(rig.server.credshareHome)!;
    await rig.admin.resetStats();
    const file = path.join(rig.server.credshareHome, 'credentials.json');
    writeFileSync(`${file}.e2e.tmp`, JSON.stringify({ version: 1, sessions: { default: { ...before, expiresAt: Date.now() - 1000 } } }), { mode: 0o600 });
    renameSync(`${file}.e2e.tmp`, file);
    const after = await waitFor('the refreshed session', () => {
      const s = storedSession(rig.server.credshareHome);
      return s && s.accessToken !== before.accessToken ? s : undefined;
    }, 60_000);
    seen.push(after);
    for (const w of [w1, w2]) {
      await waitFor(`window ${w.index} to hold the new token`, async () => (await consumerGet(w)).accessToken === after.accessToken, 30_000, 500);
      assert.match(await w.statusBarText(CREDSHARE_STATUS) ?? '', new RegExp(ACCOUNT_LABEL));
    }
    const stats = await rig.admin.stats();
    assert.equal(stats.refreshRequests, 1);
    assert.equal(stats.reuseDetections, 0);
    assert.equal(await rig.admin.refreshTokenUsable(after.refreshToken), true);
  });

  step('no token in the log channels, the terminal environment, the user-data dir or `ps`', async () => {
    const tokens = [...tokensOf(...seen), inSecrets!];
    const texts: Record<string, string> = {
      'terminal environment': readText(path.join(rig.terminalDir, 'env.txt')),
      'ps -eo args': processCommandLines(),
      'log channel of window 1': await w1.outputChannelLog(CREDSHARE, CREDSHARE_LOG_CHANNEL),
      'log channel of window 2': await w2.outputChannelLog(CREDSHARE, CREDSHARE_LOG_CHANNEL),
      'browser storage': await browserStorage(rig.browser.context),
    };
    assert.deepEqual(leaksIn(texts, tokens), []);
    assert.deepEqual(filesContaining(rig.server.userDataDir, tokens), []);
    // The IPC directories of the windows are private, one per window.
    const sockets = readdirSync(os.tmpdir()).filter((d) => d.startsWith('credshare-ipc-'));
    for (const d of sockets) {
      try {
        assert.equal(statSync(path.join(os.tmpdir(), d)).mode & 0o777, 0o700);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  });
});
