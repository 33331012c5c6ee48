import type { Profile } from '../core/profile';
import type { Session } from '../core/session';

/**
 * Revokes the refresh token at the issuer on sign-out, as `credshare logout` does, over
 * the core OAuth functions (loaded lazily: activation does not need oauth4webapi).
 * Resolves to a sentence for the log; never throws, the sign-out goes on regardless.
 */
export async function revokeAtIssuer(profile: Profile, session: Session, home: string, timeoutMs: number): Promise<string> {
  if (!session.refreshToken) return 'there was no refresh token to revoke';
  try {
    const { parseIssuer } = await import('../core/oauth/issuer');
    const { loadIssuerMetadata, withMetadata } = await import('../core/oauth/metadata');
    const { revokeRefreshToken } = await import('../core/oauth/revoke');
    const issuer = parseIssuer(profile.issuer);
    const io = { timeoutMs };
    const options = { ...io, home };
    const metadata = await loadIssuerMetadata(issuer, options);
    const { result } = await withMetadata(issuer, options, metadata,
      (as) => revokeRefreshToken(as, { client_id: profile.clientId }, issuer, session.refreshToken, io));
    return result.revoked ? `revoked the refresh token at ${result.endpoint}` : `${profile.issuer} offers no revocation endpoint`;
  } catch (error) {
    return `could not revoke the refresh token at the issuer (${(error as Error).message}); signed out here all the same`;
  }
}
