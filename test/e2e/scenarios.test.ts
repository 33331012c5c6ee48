// The credshare extension in a real VS Code (code-server + headless chromium), installed from
// the built credshare.vsix, against the embedded oidc-provider, in the default store mode
// (`shared`: the CLI's credentials.json). Every scenario asserts on the issuer's own counts
// (its admin /stats endpoint) and on the store. The SecretStorage mode is in
// scenarios-secret-storage.test.ts.
//
// Run: npm run test:e2e (builds and packages first), after bash test/e2e/setup.sh.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { describe } from 'node:test';
import type { Session } from '../../src/core/session';
import { readJsonLines, repoRoot, resultsDir, waitFor, waitForJsonLine, type VsCodeWindow } from './harness/index';
import {
  CREDSHARE, CREDSHARE_LOG_CHANNEL, CREDSHARE_STATUS, browserStorage, filesContaining, leaksIn, processCommandLines,
  pickAccount, signInFromPalette, storedSession, switchProfileFromPalette, tokensOf,
} from './harness/credshare';
import { lifetimeCellSteps } from './harness/lifetime-cells';
import { scenarioRig } from './harness/scenario-rig';

// The account label is a stable identifier (the email: the issuer sends no preferred_username), not the display name.
const ACCOUNT_LABEL = 'alice@example.test';

interface SessionResult { ok: boolean; pid: number; accessToken?: string; account?: { id: string; label: string }; error?: string; at: string }

describe('credshare extension in VS Code: sign-in, five windows racing, sign-out, CLI login (shared store)', { timeout: 15 * 60_000 }, () => {
  // A first sign-in needs the issuer and client id: from settings, as a new user would set them.
  const rig = scenarioRig({
    name: 'scenarios', failedPrefix: 'scenarios', firstWindows: 2,
    settings: (issuer) => ({ 'credshare.issuer': issuer.url, 'credshare.clientId': issuer.clientId }),
  });
  const { step } = rig;
  const seen: (Session | undefined)[] = [];
  const home = () => rig.server.credshareHome;
  const consumerGet = (w: VsCodeWindow) => rig.consumerGet<SessionResult>(w);
  const eventsFile = (w: VsCodeWindow) => w.resultPath('session-events.jsonl');
  const waitForStatus = (w: VsCodeWindow, expected: RegExp) => w.waitForStatusBarText(CREDSHARE_STATUS, expected, 30_000);

  step('1. sign in from the palette: status bar, Accounts menu and another extension get the account; the issuer accepts its token', async () => {
    const [w1, w2] = rig.windows as [VsCodeWindow, VsCodeWindow];
    // No profile yet: credshare's startup gate stays idle, and shows no status bar item.
    for (const w of rig.windows) assert.equal(await w.statusBarText(CREDSHARE_STATUS), undefined, `window ${w.index} shows no credshare item before any sign-in`);
    await rig.admin.resetStats();
    await signInFromPalette(w1, rig.admin, 'alice');
    for (const w of rig.windows) await waitForStatus(w, new RegExp(ACCOUNT_LABEL));
    const stored = storedSession(home());
    seen.push(stored);
    assert.equal(stored?.account.label, ACCOUNT_LABEL);
    const config = JSON.parse(readFileSync(path.join(home(), 'config.json'), 'utf8'));
    assert.equal(config.profiles.default.issuer, rig.issuer.url, 'the first sign-in created the profile from the settings');

    await w1.runCommand('Notifications: Clear All Notifications');
    const menu = await w1.openAccountsMenu();
    assert.ok(menu.some((e) => e.label.includes(ACCOUNT_LABEL) && e.submenu), `Accounts menu: ${JSON.stringify(menu)}`);
    await w1.screenshot('vscode-signed-in-accounts-menu');
    await w1.closeMenus();

    // Another extension asks for a session (consent dialog once), and gets the stored token.
    const since = Date.now();
    await w1.runCommand('credshare e2e: Get Session (create if none)');
    assert.match(await w1.clickDialogButton('Allow'), /credshare e2e consumer.*wants to sign in using credshare/);
    await pickAccount(w1, ACCOUNT_LABEL);
    const created = await w1.waitForResult<SessionResult>('get-session-create.json', { newerThan: since });
    assert.equal(created.ok, true, JSON.stringify(created));
    assert.equal(created.accessToken, stored!.accessToken);
    assert.equal(await rig.admin.accessTokenValid(created.accessToken!), true, 'the issuer accepts the token');
    // Window 2 (same browser profile: the grant is shared) gets the same session silently.
    assert.equal((await consumerGet(w2)).accessToken, stored!.accessToken);
    const stats = await rig.admin.stats();
    assert.equal(stats.refreshRequests, 0, 'a sign-in and fresh tokens need no refresh');

    // Show Status is a quick pick (the status bar item opens it; runCommand would wait for the palette to close).
    await w1.page.locator(`[id="${CREDSHARE_STATUS}"]`).click();
    await w1.page.locator('.quick-input-widget .quick-input-list', { hasText: ACCOUNT_LABEL }).first().waitFor({ timeout: 15_000 });
    await w1.screenshot('vscode-status-view');
    await w1.page.keyboard.press('Escape');
    // The README's picture: the status bar item and the Accounts menu together.
    await w1.openAccountsMenu();
    const picture = await w1.screenshot('vscode-signed-in');
    await w1.closeMenus();
    // Into docs/ for the README only when missing or asked for, so a run leaves the tree clean.
    const docsImage = path.join(repoRoot, 'docs', 'images', 'vscode-signed-in.png');
    if (!existsSync(docsImage) || process.env.CREDSHARE_E2E_UPDATE_DOCS === '1') {
      mkdirSync(path.dirname(docsImage), { recursive: true });
      copyFileSync(picture, docsImage);
    }
  });

  step('2. five windows, token expired, all ask at once (and a terminal loops `credshare token`): one refresh, everyone gets it', async () => {
    await rig.openWindows(3);
    for (const w of rig.windows) await waitForStatus(w, new RegExp(ACCOUNT_LABEL));
    const before = storedSession(home())!;
    for (const w of rig.windows) assert.equal((await consumerGet(w)).accessToken, before.accessToken, `window ${w.index} starts with the stored token`);

    // A terminal in window 1 asking in a loop, via the launcher the extension put on PATH.
    const w1 = rig.windows[0]!;
    await w1.openTerminal();
    const t = rig.terminalDir;
    await w1.typeInTerminal(`command -v credshare > ${t}/which.txt; env > ${t}/env.txt; `
      + `while [ ! -f ${t}/STOP ]; do if credshare token > ${t}/tok.tmp 2>${t}/err.tmp; then mv ${t}/tok.tmp ${t}/token.txt; echo ok >> ${t}/ok.txt; `
      + `else echo "exit $? $(cat ${t}/err.tmp)" >> ${t}/errors.txt; fi; sleep 0.2; done`);
    await waitFor('the terminal loop to get a token', () => existsSync(path.join(t, 'token.txt')) && readFileSync(path.join(t, 'token.txt'), 'utf8').trim() === before.accessToken, 30_000);
    assert.match(readFileSync(path.join(t, 'which.txt'), 'utf8'), /globalStorage\/credshare\.credshare\/bin\/credshare/);

    // Expire the access token in the store (as time would). Every window's watcher sees the
    // change, and every window's consumer asks for a session at once; so does the terminal.
    await rig.admin.resetStats();
    const lines = await Promise.all(rig.windows.map(async (w) => readJsonLines(await eventsFile(w)).length));
    const expiredAt = Date.now();
    writeStore({ default: { ...before, expiresAt: Date.now() - 1000 } });
    const arrivals = await Promise.all(rig.windows.map(async (w, i) => {
      const line = await waitForJsonLine<SessionResult>(await eventsFile(w), (e) => Date.parse(e.at) >= expiredAt && !!e.accessToken && e.accessToken !== before.accessToken, 60_000);
      assert.ok(readJsonLines(await eventsFile(w)).length > lines[i]!);
      return Date.parse(line.at);
    }));
    const msUntilAllWindowsHaveToken = Math.max(...arrivals) - expiredAt;
    const msPerWindow = arrivals.map((at) => at - expiredAt);
    const after = storedSession(home())!;
    seen.push(after);
    assert.notEqual(after.accessToken, before.accessToken);
    assert.notEqual(after.refreshToken, before.refreshToken, 'the refresh token rotated');
    await waitFor('the terminal to get the new token', () => readFileSync(path.join(t, 'token.txt'), 'utf8').trim() === after.accessToken, 30_000);
    for (const w of rig.windows) {
      assert.equal((await consumerGet(w)).accessToken, after.accessToken, `window ${w.index} holds the new token`);
      assert.match(await w.statusBarText(CREDSHARE_STATUS) ?? '', new RegExp(ACCOUNT_LABEL), `window ${w.index} is still signed in`);
      const events = readJsonLines<SessionResult>(await eventsFile(w)).filter((e) => Date.parse(e.at) >= expiredAt);
      assert.ok(events.every((e) => e.ok), `window ${w.index} never saw a signed-out state: ${JSON.stringify(events.map((e) => e.ok))}`);
    }
    const stats = await rig.admin.stats();
    assert.equal(stats.refreshRequests, 1, 'one refresh request for five windows and a terminal');
    assert.equal(stats.reuseDetections, 0);
    assert.equal(await rig.admin.refreshTokenUsable(after.refreshToken), true, 'the grant is alive');
    assert.equal(existsSync(path.join(t, 'errors.txt')), false, `the terminal loop never failed: ${existsSync(path.join(t, 'errors.txt')) ? readFileSync(path.join(t, 'errors.txt'), 'utf8') : ''}`);
    // Until each window's consumer extension got the new token back from getSession (the
    // expiry reaches it as onDidChangeSessions; its getSession makes the refresh happen).
    const figures = { refreshRequests: stats.refreshRequests, msUntilAllWindowsHaveToken, msPerWindow, windows: rig.windows.length, terminalLoop: true };
    writeFileSync(path.join(resultsDir, 'windows.json'), JSON.stringify(figures, null, 2) + '\n');
    console.log(`five windows: ${JSON.stringify(figures)}`);
  });

  step('2b. the issuer fails refreshes (503): windows show the error and keep the session; the first request after it recovers refreshes once', async () => {
    const before = storedSession(home())!;
    await rig.admin.resetStats();
    await rig.admin.fault({ kind: 'status', status: 503 });
    const since = Date.now();
    writeStore({ default: { ...before, expiresAt: Date.now() - 1000 } });
    for (const w of rig.windows) {
      await waitForJsonLine<SessionResult>(await eventsFile(w), (e) => Date.parse(e.at) >= since && !e.ok && /503|refused|kept/.test(e.error ?? ''), 30_000);
      await waitFor(`window ${w.index}'s status bar to show the error`, async () =>
        /warning-kind/.test(await w.page.locator(`[id="${CREDSHARE_STATUS}"]`).getAttribute('class') ?? ''), 15_000, 200);
    }
    await rig.windows[0]!.screenshot('vscode-refresh-error');
    const failing = await rig.admin.stats();
    assert.ok(failing.refreshRequests >= 1 && failing.refreshSuccesses === 0);
    assert.equal(failing.reuseDetections, 0);
    assert.equal(storedSession(home())?.refreshToken, before.refreshToken, 'the credentials were kept');
    assert.equal(await rig.admin.refreshTokenUsable(before.refreshToken), true, 'a failed request did not spend the token');

    await rig.admin.resetStats();
    await rig.admin.fault(null);
    // A request already under way when the fault was cleared (the terminal loop's) may still
    // report it to those who waited for it: ask until a session comes back.
    const recovered = await waitFor('a session once the issuer is back', async () => {
      const r = await consumerGet(rig.windows[1]!);
      return r.ok ? r : undefined;
    }, 30_000, 500);
    const after = storedSession(home())!;
    seen.push(after);
    assert.equal(recovered.accessToken, after.accessToken);
    for (const w of rig.windows) {
      await waitFor(`window ${w.index}'s status bar to recover`, async () =>
        !/warning-kind/.test(await w.page.locator(`[id="${CREDSHARE_STATUS}"]`).getAttribute('class') ?? '') || (await consumerGet(w)).ok, 30_000, 500);
    }
    const stats = await rig.admin.stats();
    assert.equal(stats.refreshSuccesses, 1, 'one successful refresh for everyone once the issuer is back');
    assert.equal(stats.reuseDetections, 0);
  });

  step('3. sign out in one window: every window, the other extension and the terminal see it; the token is revoked', async () => {
    const w2 = rig.windows[1]!;
    const before = storedSession(home())!;
    await rig.admin.resetStats();
    const since = Date.now();
    await w2.runCommand('credshare: Sign Out');
    for (const w of rig.windows) {
      await waitForStatus(w, /signed out/);
      await waitForJsonLine<SessionResult>(await eventsFile(w), (e) => !e.ok && Date.parse(e.at) >= since, 30_000);
    }
    assert.equal(storedSession(home()), undefined, 'credentials.json holds no session');
    await waitFor('the terminal loop to report "sign-in needed" (exit 3)', () => existsSync(path.join(rig.terminalDir, 'errors.txt')) && /^exit 3 /m.test(readFileSync(path.join(rig.terminalDir, 'errors.txt'), 'utf8')), 30_000);
    writeFileSync(path.join(rig.terminalDir, 'STOP'), '');
    const stats = await rig.admin.stats();
    assert.equal(stats.refreshRequests, 0);
    assert.equal(stats.revocations, 1, 'sign-out revoked the refresh token at the issuer');
    assert.equal(await rig.admin.refreshTokenUsable(before.refreshToken), false);
  });

  step('4. `credshare login` in a terminal signs every window in (device flow approved at the issuer)', async () => {
    const w3 = rig.windows[2]!;
    await rig.admin.resetStats();
    await w3.openTerminal();
    const out = path.join(rig.terminalDir, 'login.txt');
    await w3.typeInTerminal(`credshare login --device > ${out} 2>&1`);
    const userCode = await waitFor('the device code from `credshare login`', () => {
      const text = existsSync(out) ? readFileSync(out, 'utf8') : '';
      return /enter the code\s+(\S+)/.exec(text)?.[1];
    }, 30_000);
    await rig.admin.approveDevice(userCode, 'alice');
    await waitFor('credshare login to finish', () => existsSync(out) && /Signed in to profile "default"/.test(readFileSync(out, 'utf8')), 30_000);
    const stored = storedSession(home())!;
    seen.push(stored);
    for (const w of rig.windows) {
      await waitForStatus(w, new RegExp(ACCOUNT_LABEL));
      await waitForJsonLine<SessionResult>(await eventsFile(w), (e) => e.ok && e.accessToken === stored.accessToken, 30_000);
    }
    assert.equal((await consumerGet(rig.windows[4]!)).accessToken, stored.accessToken);
    assert.equal(await rig.admin.accessTokenValid(stored.accessToken), true);
    assert.equal((await rig.admin.stats()).refreshRequests, 0);
  });

  step('4b. Switch Profile: the window and its new terminals use the other profile, and back', async () => {
    // (code-server does not pass a user-settings change on to windows that are already open,
    // unlike desktop VS Code, so only the switching window is checked.)
    const configFile = path.join(home(), 'config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8'));
    writeFileSync(configFile, JSON.stringify({ ...config, profiles: { ...config.profiles, work: { ...config.profiles.default } } }, null, 2));
    const w4 = rig.windows[3]!;
    await switchProfileFromPalette(w4, 'work');
    await waitForStatus(w4, /signed out/);
    await w4.openTerminal();
    const out = path.join(rig.terminalDir, 'profile.txt');
    await w4.typeInTerminal(`echo "profile=$CREDSHARE_PROFILE" > ${out}; credshare token > /dev/null 2>> ${out}; echo "exit $?" >> ${out}`);
    await waitFor('the terminal to report', () => existsSync(out) && /exit \d/.test(readFileSync(out, 'utf8')), 30_000);
    const text = readFileSync(out, 'utf8');
    assert.match(text, /^profile=work$/m);
    assert.match(text, /Not signed in to profile "work"/);
    assert.match(text, /exit 3/);
    await switchProfileFromPalette(w4, 'default');
    await waitForStatus(w4, new RegExp(ACCOUNT_LABEL));
  });

  step('no token in the log channel, the terminal environment, the user-data dir (persisted environment collections) or `ps`', async () => {
    const tokens = tokensOf(...seen);
    assert.ok(tokens.length >= 6, 'tokens to look for');
    const texts: Record<string, string> = {
      'terminal environment (env in a terminal)': readFileSync(path.join(rig.terminalDir, 'env.txt'), 'utf8'),
      'ps -eo args': processCommandLines(),
    };
    for (const w of rig.windows) texts[`log channel of window ${w.index}`] = await w.outputChannelLog(CREDSHARE, CREDSHARE_LOG_CHANNEL);
    assert.match(texts['log channel of window 1']!, /activated in extension host/);
    assert.deepEqual(leaksIn(texts, tokens), []);
    assert.deepEqual(filesContaining(rig.server.userDataDir, tokens), [], 'the user-data dir holds no token');
    // The web workbench persists environment variable collections in the browser's storage.
    const stored = await browserStorage(rig.browser.context);
    assert.ok(stored.includes('CREDSHARE_PROFILE'), 'the persisted environment collection is in the browser storage');
    assert.deepEqual(leaksIn({ 'browser storage (persisted environment collection, workspace state)': stored }, tokens), []);
    const env = texts['terminal environment (env in a terminal)']!;
    assert.match(env, new RegExp(`^CREDSHARE_HOME=${home()}$`, 'm'));
    assert.match(env, /^CREDSHARE_PROFILE=default$/m);
    assert.match(env, /^PATH=[^\n]*globalStorage\/credshare\.credshare\/bin/m);
  });

  // Last, as they replace the profile: the refresh margin from each token's lifetime (issue 15.1).
  lifetimeCellSteps(rig, ACCOUNT_LABEL);

  function writeStore(sessions: Record<string, Session>): void {
    const file = path.join(home(), 'credentials.json');
    writeFileSync(`${file}.e2e.tmp`, JSON.stringify({ version: 1, sessions }), { mode: 0o600 });
    renameSync(`${file}.e2e.tmp`, file);
  }
});
