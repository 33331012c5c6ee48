import type { Profile } from '../profile';
import { redactSecrets, sessionSecrets } from '../redact';
import type { Session } from '../session';

/** How a revocation at sign-out ended. Sign-out goes on whatever it says. */
export type RevocationOutcome =
  | { kind: 'revoked'; endpoint: string }
  | { kind: 'no-endpoint' }
  /** The issuer demands client authentication this client cannot give: the token stays valid there until it expires. */
  | { kind: 'unavailable'; endpoint: string; why: string }
  | { kind: 'no-refresh-token' }
  | { kind: 'failed'; message: string };

/**
 * Revokes a session's refresh token at its issuer, for `credshare logout` and the
 * extension's Sign Out alike. Never throws: a sign-out must not fail because the issuer
 * is unreachable. oauth4webapi is loaded only here, so callers pay for it only on sign-out.
 */
export async function revokeAtIssuer(profile: Profile, session: Session, home: string, timeoutMs: number): Promise<RevocationOutcome> {
  if (!session.refreshToken) return { kind: 'no-refresh-token' };
  try {
    const { parseIssuer } = await import('./issuer');
    const { loadIssuerMetadata, withMetadata } = await import('./metadata');
    const { revokeRefreshToken } = await import('./revoke');
    const issuer = parseIssuer(profile.issuer);
    const io = { timeoutMs };
    const options = { ...io, home, endpoints: profile.endpoints };
    const metadata = await loadIssuerMetadata(issuer, options);
    const { result } = await withMetadata(issuer, options, metadata,
      (as) => revokeRefreshToken(as, profile, issuer, session.refreshToken, io));
    if (result.revoked) return { kind: 'revoked', endpoint: result.endpoint };
    return result.reason === 'unavailable' ? { kind: 'unavailable', endpoint: result.endpoint, why: result.why } : { kind: 'no-endpoint' };
  } catch (error) {
    // A revocation endpoint may quote the token it refused: the message goes to stderr and the log.
    return { kind: 'failed', message: redactSecrets((error as Error).message, [...sessionSecrets(session), profile.clientSecret]) };
  }
}
