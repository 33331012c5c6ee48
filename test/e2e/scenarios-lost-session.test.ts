// 17.6 in a real VS Code (code-server + headless chromium): the window whose extension host
// holds the refresh lock is killed mid-refresh, for both outcomes of the request it had sent.
//  A. The issuer hung (never processed it): the other window takes the lock over once it is
//     stale and gets a token; nothing is lost.
//  B. The issuer rotated the token and answered (the answer held back until after the kill):
//     the rotated refresh token died with the window. The other window presents the old one,
//     the issuer refuses it (and revokes the grant), and the user is told what happened and
//     what to do: status bar, status view, log, and `credshare status`.
// Figures (ms from the kill until the other window's extension got its answer) go to
// test-results/e2e/lost-session.json.
//
// Run: npm run test:e2e (builds and packages first), after bash test/e2e/setup.sh.
import assert from 'node:assert/strict';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe } from 'node:test';
import { readJsonLines, resultsDir, waitFor, waitForJsonLine, type VsCodeWindow } from './harness/index';
import { CREDSHARE, CREDSHARE_LOG_CHANNEL, CREDSHARE_STATUS, pickAccount, signInFromPalette, storedSession } from './harness/credshare';
import { scenarioRig } from './harness/scenario-rig';
import { runCli } from '../support/processes';
import type { Session } from '../../src/core/session';

const ACCOUNT_LABEL = 'alice@example.test';

interface SessionEvent { ok: boolean; pid: number; accessToken?: string; error?: string; at: string }

describe('credshare extension: the window holding the refresh lock is killed mid-refresh', { timeout: 10 * 60_000 }, () => {
  const rig = scenarioRig({
    name: 'lost-session', failedPrefix: 'lost-session', firstWindows: 2,
    settings: (issuer) => ({ 'credshare.issuer': issuer.url, 'credshare.clientId': issuer.clientId }),
  });
  const { step } = rig;
  const home = () => rig.server.credshareHome;
  const figures: Record<string, unknown> = {};

  const writeStore = (session: Session): void => {
    const file = path.join(home(), 'credentials.json');
    writeFileSync(`${file}.tmp`, JSON.stringify({ version: 1, sessions: { default: session } }), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  };

  /**
   * Expire the token: every window's consumer asks at once (its onDidChangeSessions handler).
   * Once the issuer has seen the request (`seen`), kill the extension host holding the lock.
   * Returns the killed window, the surviving one, and when the kill happened.
   */
  async function killTheHolder(seen: () => Promise<boolean>): Promise<{ killed: VsCodeWindow; survivor: VsCodeWindow; killedAt: number; before: Session }> {
    const before = storedSession(home())!;
    writeStore({ ...before, expiresAt: Date.now() - 1000 });
    await waitFor('the issuer to see the refresh', seen, 60_000, 50);
    const owner = JSON.parse(readFileSync(path.join(home(), 'refresh.lock.owner.json'), 'utf8')) as { pid: number; command: string };
    figures.lockOwnerCommand = owner.command;
    const pids = await Promise.all(rig.windows.map((w) => w.extensionHostPid()));
    const killed = rig.windows[pids.indexOf(owner.pid)];
    assert.ok(killed, `the lock holder ${owner.pid} is one of the windows' extension hosts (${pids.join(', ')})`);
    process.kill(owner.pid, 'SIGKILL');
    const killedAt = Date.now();
    return { killed, survivor: rig.windows.find((w) => w !== killed)!, killedAt, before };
  }

  step('1. sign in; the consumer extension in both windows holds the session', async () => {
    const [w1, w2] = rig.windows as [VsCodeWindow, VsCodeWindow];
    await signInFromPalette(w1, rig.admin, 'alice');
    for (const w of rig.windows) await w.waitForStatusBarText(CREDSHARE_STATUS, new RegExp(ACCOUNT_LABEL), 30_000);
    const since = Date.now();
    await w1.runCommand('credshare e2e: Get Session (create if none)');
    await w1.clickDialogButton('Allow');
    await pickAccount(w1, ACCOUNT_LABEL);
    assert.equal((await w1.waitForResult<SessionEvent>('get-session-create.json', { newerThan: since })).ok, true);
    assert.equal((await rig.consumerGet<SessionEvent>(w2)).accessToken, storedSession(home())!.accessToken);
  });

  step('2. issuer hung: the holder killed, the other window gets a new token once the lock is stale; nothing lost', async () => {
    await rig.admin.resetStats();
    rig.issuer.setTokenEndpointFault({ kind: 'hang' }, 1);
    const { killed, survivor, killedAt, before } = await killTheHolder(async () => (await rig.admin.stats()).refreshRequests === 1);
    const got = await waitForJsonLine<SessionEvent>(await survivor.resultPath('session-events.jsonl'),
      (e) => Date.parse(e.at) >= killedAt && !!e.accessToken && e.accessToken !== before.accessToken, 60_000);
    const ms = Date.parse(got.at) - killedAt;
    const after = storedSession(home())!;
    assert.equal(got.accessToken, after.accessToken);
    assert.equal(await rig.admin.accessTokenValid(after.accessToken), true, 'the issuer accepts it');
    const stats = await rig.admin.stats();
    assert.deepEqual([stats.refreshRequests, stats.refreshSuccesses, stats.reuseDetections], [2, 1, 0], 'the hung request and the survivor\'s, no reuse');
    assert.match(await survivor.statusBarText(CREDSHARE_STATUS) ?? '', new RegExp(ACCOUNT_LABEL), 'still signed in');
    figures.hung = { msFromKillUntilOtherWindowHasToken: ms, lockStaleMs: 10_000 };
    console.log(`issuer hung: the other window had a new token ${ms} ms after the kill`);
    await killed.reload();
    await killed.waitForExtensionActivated(CREDSHARE);
    await killed.waitForStatusBarText(CREDSHARE_STATUS, new RegExp(ACCOUNT_LABEL), 30_000);
  });

  step('3. issuer rotated and answered after the kill: the other window is told the session was lost, why, and what to do', async () => {
    await rig.admin.resetStats();
    rig.issuer.setTokenEndpointFault({ kind: 'hold-answer', ms: 60_000 }, 1);
    const { killed, survivor, killedAt } = await killTheHolder(async () => (await rig.admin.stats()).refreshSuccesses === 1);
    const events = await survivor.resultPath('session-events.jsonl');
    const told = await waitForJsonLine<SessionEvent>(events, (e) => Date.parse(e.at) >= killedAt && !e.ok, 60_000);
    const ms = Date.parse(told.at) - killedAt;
    assert.equal(storedSession(home()), undefined, 'the session is gone');
    const stats = await rig.admin.stats();
    assert.equal(stats.reuseDetections, 1, 'the survivor presented the rotated token once (the inherent case), and only once');
    figures.rotatedStats = stats;

    // What the user is told, gathered first (so that a failing run still records it), then checked.
    const item = survivor.page.locator(`[id="${CREDSHARE_STATUS}"]`);
    const statusBar = await survivor.waitForStatusBarText(CREDSHARE_STATUS, /signed out/, 30_000);
    const warningIcon = await item.locator('.codicon-warning').count();
    await item.hover();
    const hover = survivor.page.locator('.workbench-hover, .monaco-hover').filter({ hasText: 'credshare' }).first();
    const tooltip = await hover.waitFor({ timeout: 15_000 }).then(async () => (await hover.textContent() ?? '').replace(/\s+/g, ' ').trim(), () => '(no tooltip)');
    await survivor.page.mouse.move(0, 0);
    await item.click(); // the status view (a quick pick)
    const list = survivor.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await list.first().waitFor({ timeout: 15_000 });
    await survivor.page.waitForTimeout(500);
    const rows = (await list.allTextContents()).map((r) => r.replace(/\s+/g, ' ').trim());
    await survivor.screenshot('vscode-session-lost');
    await survivor.page.keyboard.press('Escape');
    const log = await waitFor('the warning in the credshare log', async () => {
      const text = await survivor.outputChannelLog(CREDSHARE, CREDSHARE_LOG_CHANNEL).catch(() => '');
      return /\[warning\] Signed out/.test(text) ? text : undefined;
    }, 30_000, 500).catch(() => '(no warning in the log)');
    const status = await runCli(['status'], { ...process.env, CREDSHARE_HOME: home(), CREDSHARE_PROFILE: '' });
    figures.rotated = { msFromKillUntilOtherWindowToldSignedOut: ms, consumerGot: told, statusBar: { text: statusBar, warningIcon: warningIcon === 1, tooltip }, statusViewRows: rows,
      cliStatus: status.stdout.trim(), log: log.split('\n').filter((l) => /\[(warning|error)\]/.test(l)).map((l) => l.replace(/^\S+ \S+ /, '')) };
    writeFileSync(path.join(resultsDir, 'lost-session.json'), JSON.stringify(figures, null, 2) + '\n');
    console.log(`issuer rotated: the other window's extension learnt the session was gone ${ms} ms after the kill; events: ${readJsonLines(events).length}`);

    const pid = await killed.extensionHostPid();
    assert.equal(figures.lockOwnerCommand, 'VS Code window', 'the lock owner record names the window');
    assert.match(statusBar, /credshare: signed out/);
    assert.equal(warningIcon, 1, 'the status bar item shows a warning, not a neutral "signed out"');
    assert.match(tooltip, new RegExp(`credshare: the session of profile "default" was lost: the issuer refused a refresh token it had already rotated\\. Likely cause: a credshare process or VS Code window \\(process ${pid} \\(VS Code window\\)\\) was stopped while it was refreshing`));
    const row = rows.find((r) => r.startsWith('Session lost')) ?? '';
    assert.match(row, /Session lost \d+s ago: the issuer refused a refresh token it had already rotated/);
    assert.match(row, new RegExp(`Likely cause: a credshare process or VS Code window \\(process ${pid} \\(VS Code window\\)\\) was stopped while it was refreshing.*Sign in again\\.`));
    assert.match(log, /\[warning\] Signed out: .*probably a reuse of a refresh token the issuer had already rotated/);
    assert.equal(status.code, 3);
    assert.match(status.stdout, /^Signed out \d+s ago: http:\/\/\S+\/token no longer accepts the refresh token \(HTTP 400 invalid_grant: grant request is invalid\), so the session was removed\. This was probably a reuse of a refresh token the issuer had already rotated: credshare process \d+ \(VS Code window\) claimed it \d+s ago to refresh it and ended before it stored the answer, so the new refresh token was lost with it\. Likely cause: a credshare process or VS Code window was stopped \(killed, or its extension host ended\) while refreshing\. Sign in again: run `credshare login`\.$/m);
  });
});
