// Scope sets and accounts in a real VS Code (code-server + headless chromium): two fixture
// extensions with two scope sets (test/e2e/fixtures/scopes-consumer, packaged as A and B),
// the real credshare.vsix, the embedded oidc-provider. What each token carries is asked of
// the issuer itself (its introspection endpoint, RFC 7662); every step records the issuer's
// own refresh count in test-results/e2e/scopes.json. One server and rig for all steps.
//
// Run: npm run test:e2e (builds and packages first), after bash test/e2e/setup.sh.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe } from 'node:test';
import type { Session } from '../../src/core/session';
import { packageExtension, readJsonLines, resultsDir, waitFor, type VsCodeWindow } from './harness/index';
import { answerDeviceCodeModal, CREDSHARE, CREDSHARE_LOG_CHANNEL, CREDSHARE_STATUS, pickAccount, storedSession } from './harness/credshare';
import { fixturesDir } from './harness/paths';
import { scenarioRig } from './harness/scenario-rig';
import { runCli } from '../support/processes';

interface Result { ok: boolean; accessToken?: string; id?: string; account?: { id: string; label: string }; scopes?: string[]; error?: string; at: string; trigger?: number }

const ALICE = 'alice@example.test';
const BOB = 'bob@example.test';
/** The two fixture extensions and the scope set each asks for. */
const A = { name: 'scopes-a', scopes: ['profile'] };
const B = { name: 'scopes-b', scopes: ['email'] };

/** The fixture packaged as `ext` (its own name, commands and scopes). */
async function packageConsumer(tmp: string, ext: { name: string; scopes: string[] }): Promise<string> {
  const dir = path.join(tmp, ext.name);
  cpSync(path.join(fixturesDir, 'scopes-consumer'), dir, { recursive: true });
  const manifest = readFileSync(path.join(dir, 'package.json'), 'utf8').replaceAll('scopes-a', ext.name).replaceAll('scopes A', ext.name);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ ...JSON.parse(manifest), credshareE2e: ext }, null, 2));
  return packageExtension(dir, path.join(tmp, 'vsix'), { dependencies: false });
}

describe('credshare extension in VS Code: scope sets and accounts', { timeout: 10 * 60_000 }, () => {
  const rig = scenarioRig({
    name: 'scenarios-scopes', failedPrefix: 'scopes', firstWindows: 1,
    settings: (issuer) => ({ 'credshare.issuer': issuer.url, 'credshare.clientId': issuer.clientId }),
    extraVsix: async (tmp) => [await packageConsumer(tmp, A), await packageConsumer(tmp, B)],
  });
  const { step } = rig;
  const figures: Record<string, unknown> = {};
  const home = () => rig.server.credshareHome;
  const config = () => JSON.parse(readFileSync(path.join(home(), 'config.json'), 'utf8'));
  let trigger = 0;
  let bobToken: string | undefined;

  /** Writes credentials.json as `credshare login` would (temp file + rename: the windows' watchers see one change). */
  function writeStore(sessions: Record<string, Session>): void {
    const file = path.join(home(), 'credentials.json');
    writeFileSync(`${file}.tmp`, JSON.stringify({ version: 1, sessions }, null, 2), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }

  function writeConfig(profiles: Record<string, { scopes: string[] }>): void {
    const file = path.join(home(), 'config.json');
    const full = Object.fromEntries(Object.entries(profiles).map(([name, p]) => [name, { issuer: rig.issuer.url, clientId: rig.issuer.clientId, scopes: p.scopes, hosts: [] }]));
    writeFileSync(`${file}.tmp`, JSON.stringify({ defaultProfile: 'default', profiles: full }, null, 2));
    renameSync(`${file}.tmp`, file);
  }

  /** A real grant from the issuer, stored as a signed-in session. */
  async function minted(accountId: string, scope: string, label: string): Promise<Session> {
    const m = await rig.issuer.mintSession({ accountId, scope });
    return {
      accessToken: m.accessToken, refreshToken: m.refreshToken, expiresAt: Date.now() + m.expiresIn * 1000, scope: m.scope,
      ...(m.idToken ? { idToken: m.idToken } : {}), account: { id: accountId, label, name: `${accountId} at sign-in` },
    };
  }

  /** What the issuer says a token carries (RFC 7662 introspection; the client is public). */
  async function atIssuer(token: string): Promise<{ active: boolean; scope?: string; sub?: string }> {
    const response = await fetch(`${rig.issuer.url}/token/introspection`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, client_id: rig.issuer.clientId }),
    });
    assert.equal(response.status, 200);
    return response.json() as Promise<{ active: boolean; scope?: string; sub?: string }>;
  }
  const words = (scope: string | undefined) => (scope ?? '').split(' ').filter(Boolean).sort().join(' ');

  async function run(w: VsCodeWindow, ext: { name: string }, command: string, file: string): Promise<Result> {
    const since = Date.now();
    await w.runCommand(`credshare e2e ${ext.name}: ${command}`);
    return w.waitForResult<Result>(`${ext.name}-${file}.json`, { newerThan: since, timeoutMs: 60_000 });
  }

  /** The device code from credshare's modal (Copy & Open), approved at the issuer as `account`. */
  async function approveInModal(w: VsCodeWindow, account: string): Promise<void> {
    const { userCode } = await answerDeviceCodeModal(w, 'Copy & Open');
    await w.page.bringToFront();
    await rig.admin.approveDevice(userCode, account);
  }

  /** The consent dialog and, where accounts exist, VS Code's account pick; then the result. */
  async function create(w: VsCodeWindow, ext: { name: string }, account: string, pick: boolean, afterConsent?: () => Promise<void>): Promise<Result> {
    const since = Date.now();
    await w.runCommand(`credshare e2e ${ext.name}: Get Session (create if none)`);
    assert.match(await w.clickDialogButton('Allow'), new RegExp(`credshare e2e ${ext.name}.*wants to sign in using credshare`));
    if (pick) await pickAccount(w, account);
    await afterConsent?.();
    return w.waitForResult<Result>(`${ext.name}-create.json`, { newerThan: since, timeoutMs: 90_000 });
  }

  /** Makes every window's A and B ask at the same moment (a file they all watch); resolves to their answers. */
  async function askEverywhere(): Promise<Map<string, Result>> {
    const n = ++trigger;
    const file = path.join(rig.server.outDir, 'trigger.json');
    writeFileSync(`${file}.tmp`, JSON.stringify({ n }));
    renameSync(`${file}.tmp`, file);
    const answers = new Map<string, Result>();
    for (const w of rig.windows) {
      for (const ext of [A, B]) {
        const line = await waitFor(`window ${w.index}'s ${ext.name} to answer trigger ${n}`, async () =>
          readJsonLines<Result>(await w.resultPath(`${ext.name}-triggered.jsonl`)).find((r) => r.trigger === n), 60_000, 200);
        answers.set(`${w.index}/${ext.name}`, line);
      }
    }
    return answers;
  }

  function record(stepName: string, values: Record<string, unknown>): void {
    figures[stepName] = values;
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(path.join(resultsDir, 'scopes.json'), JSON.stringify(figures, null, 2) + '\n');
    console.log(`${stepName}: ${JSON.stringify(values)}`);
  }

  step('1. a scope the grant lacks: the extensions\' own sign-in for it, the profile\'s grant and config.json untouched (tools never get it); the existing scope set\'s token stays valid', async () => {
    const [w1] = rig.windows as [VsCodeWindow];
    // Signed in (as `credshare login` would have) for openid offline_access profile: no email.
    writeConfig({ default: { scopes: ['openid', 'offline_access', 'profile'] } });
    writeStore({ default: await minted('alice', 'openid offline_access profile', ALICE) });
    await w1.waitForStatusBarText(CREDSHARE_STATUS, ALICE, 30_000);
    await rig.admin.resetStats();

    const a = await create(w1, A, ALICE, true);
    assert.equal(a.ok, true, JSON.stringify(a));
    assert.deepEqual(a.scopes, ['profile']);
    assert.equal(words((await atIssuer(a.accessToken!)).scope), 'profile', 'A\'s token carries exactly "profile" at the issuer');
    const forA = await rig.admin.stats();

    // B asks for "email", which the grant lacks: no session, so VS Code asks for one, and
    // credshare signs in the extensions' own grant for it (the device code approved at the
    // issuer), beside the profile's, which build tools keep getting (issue 16.6).
    const b = await create(w1, B, ALICE, false, async () => {
      await approveInModal(w1, 'alice');
    });
    assert.equal(b.ok, true, JSON.stringify(b));
    assert.equal(b.account?.label, ALICE);
    assert.equal(words((await atIssuer(b.accessToken!)).scope), 'email', 'B\'s token carries exactly "email" at the issuer');
    assert.deepEqual(config().profiles.default.scopes.slice().sort(), ['offline_access', 'openid', 'profile'], 'the profile keeps its own scopes');
    assert.equal(words(storedSession(home())?.scope), 'offline_access openid profile', 'the profile\'s grant is untouched');
    assert.equal(words(storedSession(home(), 'default#extensions')?.scope), 'email offline_access openid profile', 'the extensions\' own grant holds the union');
    // A keeps working: its token survived the new sign-in, valid at the issuer, served without a refresh.
    assert.equal((await atIssuer(a.accessToken!)).active, true);
    const before = (await rig.admin.stats()).refreshRequests;
    const again = await run(w1, A, 'Get Session (silent)', 'silent');
    assert.equal(again.accessToken, a.accessToken, 'A gets its existing token');
    assert.equal(again.id, a.id, 'under the same session id');
    const stats = await rig.admin.stats();
    assert.equal(stats.refreshRequests, before, 'no refresh for A');
    assert.equal(stats.reuseDetections, 0);
    // The rig's consumer asks for ["openid"] (a third set) at every change, access or not: its
    // refreshes are in these counts too.
    record('1. scope the grant lacks', {
      refreshRequestsUntilAHasToken: forA.refreshRequests,
      refreshRequestsForBIncludingRefused: stats.refreshRequests - forA.refreshRequests,
      refreshRequests: stats.refreshRequests, refreshSuccesses: stats.refreshSuccesses, refusedScopeRequests: stats.refreshFailures,
      signIns: stats.otherTokenRequests,
    });
  });

  step('2. two extensions asking for two scope sets at once in three windows: at most two refresh requests, each token carries exactly its scopes', async () => {
    await rig.openWindows(2);
    for (const w of rig.windows) await w.waitForStatusBarText(CREDSHARE_STATUS, ALICE, 30_000);
    const stored = storedSession(home())!;
    const extensions = storedSession(home(), 'default#extensions')!;
    // A's and B's tokens expire (A's in the profile's grant, B's in the extensions' own). The
    // grants' own and the rig's consumer's ("openid", a third set: VS Code asks the provider
    // for it at every change, access granted or not) stay fresh.
    const expire = new Set(['profile', 'email']);
    const expired = (session: Session): Session => ({ ...session, tokens: Object.fromEntries(Object.entries(session.tokens ?? {}).map(([k, t]) => [k, expire.has(k) ? { ...t, expiresAt: Date.now() - 1000 } : t])) });
    writeStore({ default: expired(stored), 'default#extensions': expired(extensions) });
    await rig.admin.resetStats();
    const answers = await askEverywhere();
    const stats = await rig.admin.stats();
    for (const [who, r] of answers) assert.equal(r.ok, true, `${who}: ${JSON.stringify(r)}`);
    const tokensA = new Set([...answers].filter(([k]) => k.endsWith(A.name)).map(([, r]) => r.accessToken));
    const tokensB = new Set([...answers].filter(([k]) => k.endsWith(B.name)).map(([, r]) => r.accessToken));
    assert.equal(tokensA.size, 1, 'every window\'s A got the same new token');
    assert.equal(tokensB.size, 1, 'every window\'s B got the same new token');
    const [a] = tokensA;
    const [b] = tokensB;
    assert.equal(words((await atIssuer(a!)).scope), 'profile');
    assert.equal(words((await atIssuer(b!)).scope), 'email');
    assert.notEqual(a, stored.tokens?.['profile']?.accessToken, 'a new token for A');
    assert.notEqual(b, extensions.tokens?.['email']?.accessToken, 'a new token for B');
    assert.ok(stats.refreshRequests <= 2, `at most one refresh request per scope set (got ${stats.refreshRequests})`);
    assert.equal(stats.reuseDetections, 0);
    assert.equal(await rig.admin.refreshTokenUsable(storedSession(home())!.refreshToken), true, 'the grant is alive');
    assert.equal(await rig.admin.refreshTokenUsable(storedSession(home(), 'default#extensions')!.refreshToken), true, 'and the extensions\' own');
    record('2. two scope sets, three windows', { windows: rig.windows.length, callers: answers.size, refreshRequests: stats.refreshRequests, reuseDetections: stats.reuseDetections });
  });

  step('3. a display-name change at the issuer keeps the extensions\' access: after a refresh they still get sessions, no prompt', async () => {
    const [w1] = rig.windows as [VsCodeWindow];
    await w1.runCommand('Notifications: Clear All Notifications');
    const before = storedSession(home())!;
    rig.issuer.setAccountClaims('alice', { name: 'Alice Renamed' });
    await rig.admin.resetStats();
    // The grant refreshes (its token expired, `credshare token` in a terminal asks): the new ID token carries the new name.
    writeStore({ default: { ...before, expiresAt: Date.now() - 1000 }, 'default#extensions': storedSession(home(), 'default#extensions')! });
    const cli = await runCli(['token'], { ...process.env, CREDSHARE_HOME: home(), CREDSHARE_PROFILE: '' });
    assert.equal(cli.code, 0, cli.stderr);
    const after = storedSession(home())!;
    assert.equal(after.account.name, 'Alice Renamed', 'the refresh brought the new display name');
    assert.equal(after.account.label, ALICE, 'the label, which VS Code keys access by, did not change');
    // Silent requests never prompt: an extension whose access was dropped would get nothing.
    for (const ext of [A, B]) {
      const r = await run(w1, ext, 'Get Session (silent)', 'silent');
      assert.equal(r.ok, true, `${ext.name} still has access: ${JSON.stringify(r)}`);
      assert.equal(r.account?.label, ALICE);
    }
    assert.deepEqual((await w1.notifications()).filter((n) => /sign in/i.test(n.message)), [], 'no sign-in request');
    const stats = await rig.admin.stats();
    record('3. display-name change', { refreshRequests: stats.refreshRequests, nameAfter: after.account.name, label: after.account.label });
  });

  step('4. two profiles signed in, an account each; the `account` option chooses the profile', async () => {
    const [w1] = rig.windows as [VsCodeWindow];
    const current = storedSession(home())!;
    // A second profile, signed in as bob (as `credshare login --profile work` would).
    writeConfig({ default: { scopes: config().profiles.default.scopes }, work: { scopes: ['openid', 'offline_access', 'profile', 'email'] } });
    writeStore({ default: current, work: await minted('bob', 'openid offline_access profile email', BOB) });
    await rig.admin.resetStats();
    const request = (label: string, create: boolean) => writeFileSync(path.join(rig.server.outDir, 'account-request.json'), JSON.stringify({ label, create }));

    request(BOB, true);
    const since = Date.now();
    await w1.runCommand(`credshare e2e ${A.name}: Get Session (account)`);
    assert.match(await w1.clickDialogButton('Allow'), /wants to sign in using credshare/);
    const bob = await w1.waitForResult<Result>(`${A.name}-account.json`, { newerThan: since, timeoutMs: 60_000 });
    assert.equal(bob.ok, true, JSON.stringify(bob));
    assert.equal(bob.account?.label, BOB);
    bobToken = bob.accessToken;
    const bobAtIssuer = await atIssuer(bob.accessToken!);
    assert.equal(bobAtIssuer.sub, 'bob', 'the work profile\'s token');
    assert.equal(words(bobAtIssuer.scope), 'profile', 'for A\'s scope set');

    request(ALICE, false);
    const alice = await run(w1, A, 'Get Session (account)', 'account');
    assert.equal(alice.ok, true, JSON.stringify(alice));
    assert.equal(alice.account?.label, ALICE);
    assert.equal((await atIssuer(alice.accessToken!)).sub, 'alice', 'the default profile\'s token');
    assert.notEqual(alice.id, bob.id);
    const stats = await rig.admin.stats();
    assert.equal(stats.reuseDetections, 0);
    record('4. two profiles, account option', { refreshRequests: stats.refreshRequests });
  });

  // A's account preference is bob's since step 4 (VS Code remembers the account an extension
  // last chose), so VS Code asks credshare for a new session *for bob*: his profile, his hint.
  step('5. forceNewSession signs in again as the extension\'s account (its profile), with its label as the issuer\'s login hint', async () => {
    const [w1] = rig.windows as [VsCodeWindow];
    await w1.runCommand('Notifications: Clear All Notifications');
    await rig.admin.resetStats();
    const since = Date.now();
    await w1.runCommand(`credshare e2e ${A.name}: Get Session (force new session)`);
    assert.match(await w1.clickDialogButton('Allow'), /wants you to sign in again using credshare/);
    await approveInModal(w1, 'bob');
    const forced = await w1.waitForResult<Result>(`${A.name}-force.json`, { newerThan: since, timeoutMs: 60_000 });
    assert.equal(forced.ok, true, JSON.stringify(forced));
    assert.equal(forced.account?.label, BOB);
    assert.notEqual(forced.accessToken, bobToken, 'a new token, not the one cached for A\'s set');
    const atIssuerNow = await atIssuer(forced.accessToken!);
    assert.equal(atIssuerNow.sub, 'bob');
    assert.equal(words(atIssuerNow.scope), 'profile');
    await waitFor('the sign-in with the login hint in credshare\'s log', async () =>
      /signing in to profile "work" .*login hint bob@example\.test/.test(await w1.outputChannelLog(CREDSHARE, CREDSHARE_LOG_CHANNEL)), 15_000, 250);
    const stats = await rig.admin.stats();
    record('5. forceNewSession', { refreshRequests: stats.refreshRequests, signIns: stats.otherTokenRequests });
  });
});
