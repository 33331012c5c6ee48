// Issue 15.1 in a real VS Code (code-server + headless chromium): two windows whose extensions
// ask credshare for a session at once on an expired token make one refresh request, then twenty
// silent getSession calls (ten per window, one after another) make none until the next expiry,
// for issuers whose access tokens live 20 s, 40 s, 300 s and 3600 s, under the default 300 s
// tolerance and, for the shortest lifetime, 10 s and 0 s. Each cell's issuer really issues
// tokens of that lifetime; its session is minted there and written to the store with the
// profile, as `credshare login` would, its access token already expired.
//
// Run: npm run test:e2e (builds and packages first), after bash test/e2e/setup.sh.
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe } from 'node:test';
import { DEFAULT_TOLERANCE_SECONDS } from '../../src/core/profile';
import type { Session } from '../../src/core/session';
import { sessionFromMinted } from '../../src/demo/signed-in-home';
import { EmbeddedIssuer } from '../../src/issuer/embedded-issuer';
import type { VsCodeWindow } from './harness/index';
import { pickAccount, storedSession } from './harness/credshare';
import { scenarioRig } from './harness/scenario-rig';

interface SessionResult { ok: boolean; accessToken?: string; error?: string }
/** sessionFromMinted's label for the account alice: what VS Code keys the consumer's access grant by. */
const ACCOUNT_LABEL = 'Alice Example';

interface TenTimes { calls: { ok: boolean; accessToken?: string; error?: string }[] }

const CELLS: { lifetime: number; tolerance: number }[] = [
  { lifetime: 20, tolerance: DEFAULT_TOLERANCE_SECONDS }, { lifetime: 20, tolerance: 10 }, { lifetime: 20, tolerance: 0 },
  { lifetime: 40, tolerance: DEFAULT_TOLERANCE_SECONDS }, { lifetime: 300, tolerance: DEFAULT_TOLERANCE_SECONDS },
  { lifetime: 3600, tolerance: DEFAULT_TOLERANCE_SECONDS },
];

describe('credshare extension in VS Code: refresh margin from the token\'s own lifetime, two windows', { timeout: 10 * 60_000 }, () => {
  const rig = scenarioRig({
    name: 'scenarios-lifetime', failedPrefix: 'lifetime', firstWindows: 2,
    settings: (issuer) => ({ 'credshare.issuer': issuer.url, 'credshare.clientId': issuer.clientId }),
  });
  const { step } = rig;
  const issuers = new Map<number, EmbeddedIssuer>();
  const home = () => rig.server.credshareHome;

  async function issuerFor(lifetime: number): Promise<EmbeddedIssuer> {
    let issuer = issuers.get(lifetime);
    if (!issuer) {
      issuer = await EmbeddedIssuer.start({ accessTokenTtlSeconds: lifetime });
      issuers.set(lifetime, issuer);
    }
    return issuer;
  }

  async function tenTimes(w: VsCodeWindow): Promise<TenTimes> {
    const since = Date.now();
    await w.runCommand('credshare e2e: Get Session Ten Times (silent)');
    return w.waitForResult<TenTimes>('get-session-ten-times.json', { newerThan: since, timeoutMs: 60_000 });
  }

  /** The profile and its session, as `credshare login` writes them; `expired`: its access token already is. */
  function signInByHand(issuer: EmbeddedIssuer, tolerance: number, session: Session, expired: boolean): void {
    mkdirSync(home(), { recursive: true, mode: 0o700 });
    writeAtomically(path.join(home(), 'config.json'), {
      defaultProfile: 'default',
      profiles: { default: { issuer: issuer.url, clientId: issuer.clientId, scopes: ['openid', 'offline_access'], hosts: [], refreshToleranceSeconds: tolerance } },
    });
    writeAtomically(path.join(home(), 'credentials.json'), { version: 1, sessions: { default: expired ? { ...session, expiresAt: Date.now() - 1000 } : session } });
  }

  step('the consumer extension is allowed to use the account (VS Code asks once; silent calls get nothing before)', async () => {
    const issuer = await issuerFor(3600);
    signInByHand(issuer, DEFAULT_TOLERANCE_SECONDS, sessionFromMinted(await issuer.mintSession({ accountId: 'alice' })), false);
    const w1 = rig.windows[0]!;
    const since = Date.now();
    await w1.runCommand('credshare e2e: Get Session (create if none)');
    assert.match(await w1.clickDialogButton('Allow'), /wants to sign in using credshare/);
    await pickAccount(w1, ACCOUNT_LABEL);
    const created = await w1.waitForResult<SessionResult>('get-session-create.json', { newerThan: since });
    assert.equal(created.ok, true, JSON.stringify(created));
    // Window 2 shares the browser profile, so the grant: it gets the session silently.
    assert.equal((await rig.consumerGet<SessionResult>(rig.windows[1]!)).ok, true);
  });

  for (const { lifetime, tolerance } of CELLS) {
    step(`tokens living ${lifetime}s, tolerance ${tolerance}s: two windows on an expired token make one refresh, then 20 calls make none until the next expiry`, async () => {
      const issuer = await issuerFor(lifetime);
      const minted = sessionFromMinted(await issuer.mintSession({ accountId: 'alice' }));
      issuer.resetStats();
      signInByHand(issuer, tolerance, minted, true);

      const raced = await Promise.all(rig.windows.map((w) => rig.consumerGet<SessionResult>(w)));
      assert.deepEqual(raced.map((r) => r.error), raced.map(() => undefined), JSON.stringify(raced));
      const stored = storedSession(home())!;
      assert.equal(stored.lifetimeSeconds, lifetime, 'the store records the issuer\'s lifetime');
      assert.ok(raced.every((r) => r.accessToken === stored.accessToken), 'both windows got the refreshed token');
      assert.equal(issuer.stats().refreshRequests, 1, 'one refresh request for both windows');
      assert.equal(issuer.stats().reuseDetections, 0);

      const margin = Math.min(tolerance, lifetime / 2); // docs/design.md's rule, written out
      const calls: TenTimes['calls'] = [];
      for (const w of rig.windows) calls.push(...(await tenTimes(w)).calls);
      const leftMs = stored.expiresAt - Date.now();
      const refreshes = issuer.stats().refreshRequests - 1;
      console.log(`lifetime ${lifetime}s, tolerance ${tolerance}s: race of 2 windows -> 1 refresh; 20 sequential getSession -> ${refreshes} `
        + `(the raced token had ${Math.round(leftMs / 1000)}s left at the end, margin ${margin}s)`);
      assert.deepEqual(calls.filter((c) => !c.ok), [], 'every call got a session');
      // Ended while the raced token still outlasted the margin: fresh throughout, so nothing to refresh.
      if (leftMs > margin * 1000) {
        assert.equal(refreshes, 0, 'no refresh until the next expiry');
        assert.ok(calls.every((c) => c.accessToken === stored.accessToken));
      } else {
        assert.ok(refreshes <= 1, `${refreshes} refreshes: at most one for the expiry the calls met`);
      }
      assert.equal(await issuer.isAccessTokenValid(storedSession(home())!.accessToken), true);
    });
  }

  step('stop the cells\' issuers', async () => {
    for (const issuer of issuers.values()) await issuer.stop();
  });
});

function writeAtomically(file: string, value: unknown): void {
  writeFileSync(`${file}.e2e.tmp`, JSON.stringify(value, null, 2), { mode: 0o600 });
  renameSync(`${file}.e2e.tmp`, file);
}
