// The coordinator's checks of a scope set against the grant, before any request: kept
// apart so that the coordinator keeps to the refresh algorithm itself.
import { ScopeNotGrantedError } from './errors';
import { loginCommand, type Profile } from './profile';
import { missingFromGrant, scopeKey, scopeRoute, scopesNotGranted } from './scope-sets';
import type { Session } from './session';

/** What a caller asked for: its profile and its normalised scope set ('' = the grant's own). */
export interface ScopeWant {
  profile: Profile;
  scopes: string;
}

/**
 * Throws, before any request, for a scope set the grant does not hold (a refresh may not
 * add scopes: RFC 6749 §6) or one the issuer already refused for this grant.
 */
export function assertGranted(session: Session, want: ScopeWant): void {
  if (!want.scopes) return;
  if (scopeRoute(session, want.scopes, want.profile.scopes) === 'not-granted') {
    const missing = missingFromGrant(session, want.scopes, want.profile.scopes).join(' ');
    throw notGranted(want, session, `a refresh cannot add "${missing}" (RFC 6749 section 6), so none was sent`);
  }
  if (scopesNotGranted(session).includes(want.scopes)) throw notGranted(want, session, 'the issuer refused it before');
}

export function notGranted(want: ScopeWant, session: Session, why: string, cause?: unknown): ScopeNotGrantedError {
  const { profile } = want;
  const union = scopeKey([...profile.scopes, ...session.scope.split(' '), ...want.scopes.split(' ')]);
  return new ScopeNotGrantedError(`Profile "${profile.name}" is not signed in for scope "${want.scopes}" (the grant holds "${session.scope}"; ${why}). `
    + `Sign in for it: \`${loginCommand(profile.name)} --scope "${union}"\`.`, { cause });
}
