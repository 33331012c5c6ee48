import { narrowingRefused, scopedTokens, scopesNotGranted, type ScopedToken } from '../../core/scope-sets';
import type { Session } from '../../core/session';
import { formatDuration } from '../../core/format';

/**
 * `doctor`'s lines about access tokens per scope set: the cached sets and how long each
 * token lasts, the sets the issuer refused for this grant, and an issuer that cannot
 * narrow a refresh's scope (every set then gets the sign-in's token, with its real scopes).
 */
export function scopeSetLines(session: Session, issuer: string, now = Date.now()): string[] {
  const lines: string[] = [];
  const refused = narrowingRefused(session);
  if (refused) {
    lines.push(`${issuer} cannot narrow a refresh's scope (it ${refused.reason}); every scope set gets the sign-in's token, scope "${session.scope}"`);
  }
  for (const [key, token] of Object.entries(scopedTokens(session))) {
    const left = ((token?.expiresAt ?? 0) - now) / 1000;
    lines.push(`"${key}": ${left > 0 ? `valid for ${formatDuration(left)}` : `expired ${formatDuration(-left)} ago`}${carries(key, token)}`);
  }
  const missing = scopesNotGranted(session);
  if (missing.length) lines.push(`not granted at sign-in (sign in again with them to use them): ${missing.map((k) => `"${k}"`).join(', ')}`);
  return lines;
}

/** What a scope set's token carries, and how credshare knows, where that is not simply the set. */
function carries(key: string, token: ScopedToken | undefined): string {
  if (token?.scopeFrom === 'grant') {
    return ` (unconfirmed: the issuer's answer gave no "scope" and the token is not a JWT; it may carry up to the sign-in's "${token.scope}", `
      + 'as an issuer that ignores the scope of a refresh would hand out)';
  }
  if (token?.scopeFrom === 'access-token') return ` (carries "${token.scope}", from the access token's own scope claim: the answer gave no "scope")`;
  return token?.scope && token.scope !== key ? ` (carries "${token.scope}")` : '';
}

/** `doctor`'s line about the VS Code extensions' own grant (core/extension-grant.ts), beside the profile's. */
export function extensionGrantLine(own: Session, extensions: Session, now = Date.now()): string {
  const left = (extensions.expiresAt - now) / 1000;
  const whose = extensions.account.id === own.account.id ? '' : ` (another account, ${extensions.account.id}: ignored until an extension signs in again)`;
  return `VS Code extensions' own sign-in for scope "${extensions.scope}"${whose}; access token ${left > 0 ? `valid for ${formatDuration(left)}` : `expired ${formatDuration(-left)} ago`}; `
    + `${extensions.refreshToken ? 'can refresh' : 'no refresh token'}; build tools get the profile's sign-in, never this one`;
}
