/**
 * The scopes a JWT access token says it carries, or undefined for any other token.
 *
 * Used only where the issuer's answer to a narrowed refresh has no `scope` (RFC 6749 §5.1
 * would make it the scope asked for, which an issuer that ignores the parameter breaks).
 * The token came straight from the token endpoint, the same answer that would have carried
 * `scope`, so its claim is as trustworthy as that field; and it is what resource servers
 * check. The signature is not verified: credshare only reports the scopes, it grants nothing
 * on them. RFC 9068 §2.2.3 names the claim `scope` (a space-separated string); Entra ID and
 * Okta use `scp` (a string or a list).
 */
export function accessTokenScope(accessToken: string): string | undefined {
  const parts = accessToken.split('.');
  if (parts.length !== 3) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!claims || typeof claims !== 'object') return undefined;
  const { scope, scp } = claims as { scope?: unknown; scp?: unknown };
  for (const claim of [scope, scp]) {
    if (typeof claim === 'string' && claim.trim()) return claim.trim();
    if (Array.isArray(claim) && claim.length > 0 && claim.every((w) => typeof w === 'string')) return claim.join(' ');
  }
  return undefined;
}
