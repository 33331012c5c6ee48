/** "1h 4m", "4m 12s", "12s": how long, for people. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${s}s`;
}

/** An account for the user: the stable label, then the display name and the subject, e.g. "bob@example.test (Bob Example, bob)". */
export function formatAccount(account: { id: string; label: string; name?: string }): string {
  const label = account.label || account.id || '(unknown)';
  const extra = [account.name && account.name !== label ? account.name : '', account.id && account.id !== label ? account.id : ''].filter(Boolean);
  return extra.length ? `${label} (${extra.join(', ')})` : label;
}

/**
 * An issuer for messages, as people write it: `https://login.example.com`, not the
 * `https://login.example.com/` of `URL.href` (an issuer with a path keeps it as given).
 */
export function formatIssuer(issuer: URL | string): string {
  const url = typeof issuer === 'string' ? (URL.canParse(issuer) ? new URL(issuer) : undefined) : issuer;
  if (!url) return String(issuer);
  return url.pathname === '/' && !url.search && !url.hash ? url.origin : url.href;
}
