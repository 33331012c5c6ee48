import type { Profile } from '../core/profile';
import type { Session } from '../core/session';
import { freshSession, profileFor, type CliContext } from './context';
import { mayReceiveToken } from './protocols/host-match';

/**
 * The profile that may answer a tool for this URL, or undefined: no credentials for it.
 * An explicit profile (`--profile`, `$CREDSHARE_PROFILE`) answers only for its own hosts;
 * without one, the first profile whose hosts match.
 */
export function profileForUrl(ctx: CliContext, url: URL | undefined, explicit?: string): Profile | undefined {
  if (!url) return undefined;
  if (explicit || ctx.env.CREDSHARE_PROFILE) {
    const profile = profileFor(ctx, explicit);
    return mayReceiveToken(url, profile) ? profile : undefined;
  }
  return Object.values(ctx.config.profiles).find((profile) => mayReceiveToken(url, profile));
}

/**
 * {@link profileForUrl}, and when no profile answers a URL, one line on standard error
 * saying so: the host:port asked for and the profiles' hosts (never a token, never the
 * URL's path, query or user information). The protocol's own "no credentials" answer on
 * standard output is the caller's and stays as it was; every tool credshare serves shows
 * a helper's standard error to the user or ignores it (issue 16, finding 8).
 */
export async function answeringProfile(ctx: CliContext, url: URL | undefined, explicit?: string): Promise<Profile | undefined> {
  const profile = profileForUrl(ctx, url, explicit);
  if (!profile && url) {
    const { noProfileLine } = await import('./protocols/host-explain');
    const pinned = explicit || ctx.env.CREDSHARE_PROFILE;
    const profiles = pinned ? [profileFor(ctx, explicit)] : Object.values(ctx.config.profiles);
    ctx.stderr(noProfileLine(url, profiles, pinned ? { name: pinned, by: explicit ? '--profile' : '$CREDSHARE_PROFILE' } : undefined));
  }
  return profile;
}

/** A fresh session of the profile that may answer for this URL, or undefined (said on standard error). */
export async function sessionForUrl(ctx: CliContext, url: URL | undefined, explicit?: string): Promise<Session | undefined> {
  const profile = await answeringProfile(ctx, url, explicit);
  return profile ? freshSession(ctx, profile) : undefined;
}
