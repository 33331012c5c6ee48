import { signedInHome as signedInScratchHome, type SignedInHome, type SignedInHomeOptions } from '../../src/demo/signed-in-home';

/**
 * A real oidc-provider on loopback and a credshare home signed in to it. The
 * implementation lives in src/demo/signed-in-home.ts, shared with `npm start` and
 * `npm run bench`.
 */
export type { SignedInHome } from '../../src/demo/signed-in-home';

export function signedInHome(options: SignedInHomeOptions = {}): Promise<SignedInHome> {
  return signedInScratchHome({ prefix: 'credshare-test-', ...options });
}
