import type { Session } from '../core/session';

/** A profile with a stored session: one account in VS Code's Accounts menu. */
export interface SignedInProfile {
  profile: string;
  session: Session;
}

/** What VS Code passes as `options.account` (AuthenticationSessionAccountInformation). */
export interface AccountInfo {
  id: string;
  label: string;
}

/**
 * The profiles a request is for. Without an account: every signed-in profile, the active
 * one first (VS Code hands a silent caller the first session it may use). With one: the
 * profile signed in as that account; the subject alone decides only where no label
 * matches (a label that changed at the issuer since VS Code saw it).
 */
export function profilesFor(signedIn: readonly SignedInProfile[], active: string, account?: AccountInfo): SignedInProfile[] {
  const ordered = [...signedIn].sort((a, b) => Number(b.profile === active) - Number(a.profile === active));
  if (!account) return ordered;
  const exact = ordered.filter((p) => p.session.account.id === account.id && (p.session.account.label || p.session.account.id) === account.label);
  return exact.length ? exact.slice(0, 1) : ordered.filter((p) => p.session.account.id === account.id).slice(0, 1);
}

/**
 * The session id VS Code sees: stable per (profile, account, scope set) across refreshes,
 * so an extension holding a session keeps it when its token is renewed.
 */
export function authSessionId(profile: string, accountId: string, scopeKey: string): string {
  return `${encodeURIComponent(profile)}/${encodeURIComponent(accountId)}/${scopeKey}`;
}

/** The profile and account an id names (see authSessionId), or undefined for a foreign id. */
export function parseAuthSessionId(id: string): { profile: string; accountId: string } | undefined {
  const [profile, accountId] = id.split('/');
  if (profile === undefined || accountId === undefined) return undefined;
  try {
    return { profile: decodeURIComponent(profile), accountId: decodeURIComponent(accountId) };
  } catch {
    return undefined;
  }
}
