import type { Account } from '../session';

/** The first non-blank string claim among `keys`. */
function claim(claims: Record<string, unknown> | undefined, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = claims?.[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return undefined;
}

/**
 * The account label: a stable identifier the user recognises, preferred_username, else
 * email. Not the display name: VS Code keys each extension's access grant by the label,
 * so a renamed user would silently lose every grant (the subject is the last resort).
 */
export function stableLabel(claims: Record<string, unknown> | undefined): string | undefined {
  return claim(claims, ['preferred_username', 'email']);
}

/** The display name, for status displays only. */
export function displayName(claims: Record<string, unknown> | undefined): string | undefined {
  return claim(claims, ['name']);
}

/**
 * What a refresh's ID token says about the account: a new display name or label, never a
 * new id, and nothing where the claims are silent (a narrowed token may carry none).
 */
export function accountUpdate(claims: Record<string, unknown> | undefined): Partial<Account> | undefined {
  const label = stableLabel(claims);
  const name = displayName(claims);
  if (!label && !name) return undefined;
  return { ...(label ? { label } : {}), ...(name ? { name } : {}) };
}
