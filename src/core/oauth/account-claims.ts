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
 * What a refresh's ID token changes about the account: the display name only. Never the
 * id, and never the label: VS Code keys access grants by it, so it stays what the sign-in
 * set (also for sessions stored before labels were stable identifiers). Nothing where the
 * claims are silent (a narrowed token may carry none).
 */
export function accountUpdate(claims: Record<string, unknown> | undefined): Partial<Account> | undefined {
  const name = displayName(claims);
  return name ? { name } : undefined;
}
