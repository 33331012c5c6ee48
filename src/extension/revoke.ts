import type { Profile } from '../core/profile';
import type { Session } from '../core/session';
import { revokeAtIssuer } from '../core/oauth/sign-out';

/**
 * Revokes the refresh token at the issuer on sign-out, as `credshare logout` does (both
 * use the core's revokeAtIssuer). Resolves to a sentence for the log; never throws.
 */
export async function revokeForLog(profile: Profile, session: Session, home: string, timeoutMs: number): Promise<string> {
  const outcome = await revokeAtIssuer(profile, session, home, timeoutMs);
  switch (outcome.kind) {
    case 'no-refresh-token': return 'there was no refresh token to revoke';
    case 'revoked': return `revoked the refresh token at ${outcome.endpoint}`;
    case 'no-endpoint': return `${profile.issuer} offers no revocation endpoint`;
    case 'unavailable': return `revocation is not available to this client (${outcome.why}); signed out here, but the refresh token stays valid at the issuer until it expires`;
    case 'failed': return `could not revoke the refresh token at the issuer (${outcome.message}); signed out here all the same`;
  }
}
