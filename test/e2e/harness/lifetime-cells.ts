// Issue 15.1 in a real VS Code: two windows whose extensions ask credshare for a session at once
// on an expired token make one refresh request, then twenty silent getSession calls (ten per
// window, one after another) make none until the next expiry, for issuers whose access tokens
// live 20 s, 40 s, 300 s and 3600 s under the default 300 s tolerance and, for the shortest
// lifetime, 10 s and 0 s. Each cell's issuer really issues tokens of that lifetime; its session is
// minted there and written to the store with the profile, as `credshare login` would, its access
// token already expired. Steps for the end of a scenario suite whose first two windows have let
// the consumer extension use `accountLabel` (scenarios.test.ts), so that no suite of its own has
// to start code-server and open windows for it.
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_TOLERANCE_SECONDS } from '../../../src/core/profile';
import type { Session } from '../../../src/core/session';
import { sessionFromMinted } from '../../../src/demo/signed-in-home';
import { EmbeddedIssuer } from '../../../src/issuer/embedded-issuer';
import { storedSession } from './credshare';
import type { ScenarioRig } from './scenario-rig';
import type { VsCodeWindow } from './window';

interface SessionResult { ok: boolean; accessToken?: string; error?: string }
interface TenTimes { calls: { ok: boolean; accessToken?: string; error?: string }[] }

const CELLS: { lifetime: number; tolerance: number }[] = [
  { lifetime: 20, tolerance: DEFAULT_TOLERANCE_SECONDS }, { lifetime: 20, tolerance: 10 }, { lifetime: 20, tolerance: 0 },
  { lifetime: 40, tolerance: DEFAULT_TOLERANCE_SECONDS }, { lifetime: 300, tolerance: DEFAULT_TOLERANCE_SECONDS },
  { lifetime: 3600, tolerance: DEFAULT_TOLERANCE_SECONDS },
];

/** Registers the cells as steps of `rig`'s suite; its windows 1 and 2 race. */
export function lifetimeCellSteps(rig: ScenarioRig, accountLabel: string): void {
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

  async function tenTimes(w: VsCodeWindow): Promise<TenTimes['calls']> {
    const since = Date.now();
    await w.runCommand('credshare e2e: Get Session Ten Times (silent)');
    return (await w.waitForResult<TenTimes>('get-session-ten-times.json', { newerThan: since, timeoutMs: 60_000 })).calls;
  }

  /** The profile and its session, as `credshare login` writes them, the access token already expired. */
  function signInByHand(issuer: EmbeddedIssuer, tolerance: number, session: Session): void {
    mkdirSync(home(), { recursive: true, mode: 0o700 });
    writeAtomically(path.join(home(), 'config.json'), {
      defaultProfile: 'default',
      profiles: { default: { issuer: issuer.url, clientId: issuer.clientId, scopes: ['openid', 'offline_access'], hosts: [], refreshToleranceSeconds: tolerance } },
    });
    writeAtomically(path.join(home(), 'credentials.json'), { version: 1, sessions: { default: { ...session, expiresAt: Date.now() - 1000 } } });
  }

  for (const { lifetime, tolerance } of CELLS) {
    rig.step(`lifetime ${lifetime}s, tolerance ${tolerance}s: two windows on an expired token make one refresh, then 20 getSession calls make none until the next expiry`, async () => {
      const [w1, w2] = rig.windows as [VsCodeWindow, VsCodeWindow];
      const issuer = await issuerFor(lifetime);
      const minted = sessionFromMinted(await issuer.mintSession({ accountId: 'alice' }));
      issuer.resetStats();
      // The account the consumer was allowed to use (VS Code keys the grant by its label).
      signInByHand(issuer, tolerance, { ...minted, account: { id: 'alice', label: accountLabel, name: 'Alice Example' } });

      const raced = await Promise.all([w1, w2].map((w) => rig.consumerGet<SessionResult>(w)));
      assert.deepEqual(raced.map((r) => r.error), [undefined, undefined], JSON.stringify(raced));
      const stored = storedSession(home())!;
      assert.equal(stored.lifetimeSeconds, lifetime, 'the store records the issuer\'s lifetime');
      assert.ok(raced.every((r) => r.accessToken === stored.accessToken), 'both windows got the refreshed token');
      assert.equal(issuer.stats().refreshRequests, 1, 'one refresh request for every window');
      assert.equal(issuer.stats().reuseDetections, 0);

      const margin = Math.min(tolerance, lifetime / 2); // docs/design.md's rule, written out
      const calls = [...(await tenTimes(w1)), ...(await tenTimes(w2))];
      const leftMs = stored.expiresAt - Date.now();
      const refreshes = issuer.stats().refreshRequests - 1;
      console.log(`lifetime ${lifetime}s, tolerance ${tolerance}s: race of 2 windows -> 1 refresh; 20 sequential getSession -> ${refreshes} `
        + `(the raced token had ${Math.round(leftMs / 1000)}s left at the end, margin ${margin}s)`);
      assert.deepEqual(calls.filter((c) => !c.ok), [], 'every call got a session');
      // Ended while the raced token still outlasted the margin: fresh throughout, nothing to refresh.
      if (leftMs > margin * 1000) {
        assert.equal(refreshes, 0, 'no refresh until the next expiry');
        assert.ok(calls.every((c) => c.accessToken === stored.accessToken));
      } else {
        assert.ok(refreshes <= 1, `${refreshes} refreshes: at most one for the expiry the calls met`);
      }
      assert.equal(await issuer.isAccessTokenValid(storedSession(home())!.accessToken), true);
    });
  }

  rig.step('lifetime: stop the cells\' issuers', async () => {
    for (const issuer of issuers.values()) await issuer.stop();
  });
}

function writeAtomically(file: string, value: unknown): void {
  writeFileSync(`${file}.e2e.tmp`, JSON.stringify(value, null, 2), { mode: 0o600 });
  renameSync(`${file}.e2e.tmp`, file);
}
