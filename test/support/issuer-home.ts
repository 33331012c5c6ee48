import {
  signedInHome as signedInScratchHome, signedInHomeWithIssuerProcess as withIssuerProcess, type RaceIssuer, type SignedInHome, type SignedInHomeOptions,
} from '../../src/demo/signed-in-home';

/**
 * A real oidc-provider on loopback and a credshare home signed in to it. The
 * implementation lives in src/demo/signed-in-home.ts, shared with `npm start` and
 * `npm run bench`.
 */
export type { SignedInHome } from '../../src/demo/signed-in-home';

export function signedInHome(options: SignedInHomeOptions = {}): Promise<SignedInHome> {
  return signedInScratchHome({ prefix: 'credshare-test-', ...options });
}

/**
 * The same with the issuer in a process of its own, for storms: spawning hundreds of
 * children stalls this process's event loop, and an issuer living here would stall too.
 */
export function signedInHomeWithIssuerProcess(options: SignedInHomeOptions = {}): Promise<SignedInHome<RaceIssuer>> {
  return withIssuerProcess({ prefix: 'credshare-test-', ...options });
}
