// Matrix row: rotation without revocation of the old token (Entra ID; Keycloak with
// "Revoke Refresh Token" off, its default). An old refresh token keeps working.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runCli } from '../support/processes';
import { behaviourMatrix } from './issuer-behaviours-matrix';

behaviourMatrix({
  name: 'non-revoking rotation',
  behaviours: { keepRotatedRefreshTokens: true },
  logout: 'revoked',
  extraCells: ({ issuer, signedInHome, homeHolding }) => {
    it('non-revoking rotation: a stale copy of the session still refreshes, and nothing is revoked', { timeout: 60_000 }, async () => {
      const home = await signedInHome();
      const stale = home.readSession()!;
      home.expire();
      assert.equal((await runCli(['token'], home.env)).code, 0);
      const fresh = home.readSession()!;
      assert.notEqual(fresh.refreshToken, stale.refreshToken, 'it did rotate');
      const copy = homeHolding(stale); // a copy of the home from before that refresh
      issuer().resetStats();
      const again = await runCli(['token'], copy.env);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual([issuer().stats().refreshRequests, issuer().stats().reusesTolerated, issuer().stats().reuseDetections], [1, 1, 0]);
      for (const token of [stale.refreshToken, fresh.refreshToken, copy.readSession()!.refreshToken]) {
        assert.equal(await issuer().isRefreshTokenUsable(token), true);
      }
    });
  },
});
