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

/** A fresh session of the profile that may answer for this URL, or undefined. */
export async function sessionForUrl(ctx: CliContext, url: URL | undefined, explicit?: string): Promise<Session | undefined> {
  const profile = profileForUrl(ctx, url, explicit);
  return profile ? freshSession(ctx, profile) : undefined;
}
