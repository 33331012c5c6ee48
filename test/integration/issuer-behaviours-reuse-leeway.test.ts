// Matrix row: a reuse leeway (Okta's grace period, Auth0's reuse interval): within N s of a
// rotation the previous refresh token works again without revoking; after it, it is reuse.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli } from '../support/processes';
import { behaviourMatrix } from './issuer-behaviours-matrix';

const LEEWAY_SECONDS = 10;

behaviourMatrix({
  name: `reuse leeway ${LEEWAY_SECONDS} s`,
  behaviours: { reuseLeewaySeconds: LEEWAY_SECONDS },
  logout: 'revoked',
  extraCells: ({ issuer, signedInHome, homeHolding }) => {
    it(`reuse leeway ${LEEWAY_SECONDS} s: a stale copy of the session is accepted within the leeway and refused after it`, { timeout: 90_000 }, async () => {
      const home = await signedInHome();
      const stale = home.readSession()!;
      home.expire();
      assert.equal((await runCli(['token'], home.env)).code, 0);
      const rotatedAt = Date.now();
      const fresh = home.readSession()!;
      // Copies of the home from before that refresh (a restored backup, a second machine).
      const early = homeHolding(stale);
      const late = homeHolding(stale);
      issuer().resetStats();
      const within = await runCli(['token'], early.env);
      assert.ok(Date.now() - rotatedAt < LEEWAY_SECONDS * 1000, 'the stale token went out within the leeway (machine too slow otherwise)');
      assert.equal(within.code, 0, within.stderr);
      assert.deepEqual([issuer().stats().reusesTolerated, issuer().stats().reuseDetections], [1, 0]);
      assert.equal(await issuer().isRefreshTokenUsable(fresh.refreshToken), true, 'nothing was revoked');
      assert.equal(await issuer().isRefreshTokenUsable(early.readSession()!.refreshToken), true);

      await sleep(rotatedAt + LEEWAY_SECONDS * 1000 + 1000 - Date.now());
      const refused = await runCli(['token'], late.env);
      assert.equal(refused.code, 3, refused.stderr);
      assert.equal(issuer().stats().reuseDetections, 1);
      assert.equal(await issuer().isRefreshTokenUsable(fresh.refreshToken), false, 'reuse after the leeway revoked the grant');
    });
  },
});
