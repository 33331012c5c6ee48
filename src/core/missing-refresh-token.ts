import { SignInRequiredError } from './errors';
import { formatDuration } from './format';
import { loginCommand, type Profile } from './profile';
import type { Session } from './session';

// What credshare says about a session without a refresh token: at sign-in (`login`), while
// it lasts (`status`, `doctor`) and when its access token runs out (every refresh path).

/** True when the sign-in asked the issuer for offline access: the `offline_access` scope, or Google's `access_type=offline`. */
export function askedForOfflineAccess(profile: Profile): boolean {
  return profile.scopes.includes('offline_access') || profile.authorizationParameters?.access_type === 'offline';
}

/** Google's issuer, which wants `access_type=offline` instead of the `offline_access` scope. */
function isGoogle(profile: Profile): boolean {
  return URL.canParse(profile.issuer) && new URL(profile.issuer).hostname === 'accounts.google.com';
}

/**
 * What to try to get a refresh token next time, in the order most likely to help: the
 * request credshare sends (scope, prompt, Google's parameter), then the issuer's settings.
 */
export function refreshTokenAdvice(profile: Profile): string {
  const login = loginCommand(profile.name);
  const consent = profile.prompt?.split(' ').includes('consent');
  if (isGoogle(profile) && profile.authorizationParameters?.access_type !== 'offline') {
    return `Google gives one only for access_type=offline, and again only with consent: run \`${login} --authorization-param access_type=offline --prompt consent\`.`;
  }
  const admin = `ask the issuer's administrator to allow refresh tokens (offline access, the refresh_token grant) for client ${profile.clientId}`;
  if (!askedForOfflineAccess(profile)) {
    return `Most issuers give one only for the offline_access scope, which the profile does not ask for: run \`${login} --scope "${[...profile.scopes, 'offline_access'].join(' ')}"\`${consent ? '' : ' (with --prompt consent if that is not enough)'}; or ${admin}.`;
  }
  if (!consent) {
    return `Many issuers grant offline_access only when the sign-in asks for consent (OpenID Connect Core section 11): run \`${login} --prompt consent\`. If that does not help, ${admin}.`;
  }
  return `The sign-in asked for offline_access with prompt=consent, so the issuer keeps them from this client: ${admin}.`;
}

/** When the session's access token ends, for people: "at 2025-01-01T10:00:00.000Z (in 58m 3s)". */
function whenItEnds(session: Session, now: number): string {
  const left = (session.expiresAt - now) / 1000;
  return `${left > 0 ? 'expires' : 'expired'} at ${new Date(session.expiresAt).toISOString()} (${left > 0 ? `in ${formatDuration(left)}` : `${formatDuration(-left)} ago`})`;
}

/** `login`'s note, `status`'s and `doctor`'s line: no refresh token, when the token ends, what to try. */
export function noRefreshTokenNote(profile: Profile, session: Session, now = Date.now()): string {
  const asked = askedForOfflineAccess(profile) ? ', although the sign-in asked for offline access' : '';
  return `${profile.issuer} gave no refresh token${asked}, so this sign-in ends with its access token, which ${whenItEnds(session, now)}; `
    + `then run \`${loginCommand(profile.name)}\` again. ${refreshTokenAdvice(profile)}`;
}

/** The refresh path's answer for a stale session without a refresh token: sign in again (exit 3), never a confusing error. */
export function noRefreshTokenError(profile: Profile, session: Session, now = Date.now()): SignInRequiredError {
  return new SignInRequiredError(`The access token of profile "${profile.name}" ${whenItEnds(session, now)}, and ${profile.issuer} gave no refresh token `
    + `at sign-in, so credshare cannot renew it. Sign in again: run \`${loginCommand(profile.name)}\`. ${refreshTokenAdvice(profile)}`);
}
