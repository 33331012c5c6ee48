import type { Profile } from './profile';
import { scopeKey, scopeRoute, scopeWords } from './scope-sets';
import type { Session } from './session';
import type { CredentialStore } from './store';

/**
 * The VS Code extensions' own grant (issue 16.6; docs/design.md, "Scopes that extensions add").
 *
 * A profile's grant is what `credshare login` signed in for, and it is what build tools get
 * (helpers, `credshare token`, terminals). When an extension asks VS Code for a scope that
 * grant lacks, the extension signs in again, but that sign-in becomes a second grant of its
 * own, stored beside the profile's under {@link extensionGrantName}, with its own refresh
 * token, refreshed by the same coordinator (same lock, claims and record, keyed by its name).
 * The profile's grant is never widened, so no tool ever receives a scope an extension asked
 * for, also from an issuer that cannot narrow a refresh's scope. Only the authentication
 * provider reads this grant; the CLI, the helpers and terminal IPC never do.
 */

/** What follows the profile's name in the extension grant's key: a character no profile name may hold. */
export const EXTENSION_GRANT_SUFFIX = '#extensions';

/** The credential store's key of `profile`'s extension grant (credentials.json: `sessions["<profile>#extensions"]`). */
export function extensionGrantName(profile: string): string {
  return `${profile}${EXTENSION_GRANT_SUFFIX}`;
}

/** The profile the extension grant is signed in and refreshed as: the same issuer and client, its own name and scopes. */
export function extensionGrantProfile(profile: Profile, scopes: readonly string[]): Profile {
  return { ...profile, name: extensionGrantName(profile.name), scopes: [...scopes] };
}

/** The scope words of `asked` that the profile does not sign in for (`offline_access` aside): these need the extension grant. */
export function beyondProfile(profile: Profile, asked: readonly string[]): string[] {
  const own = new Set(profile.scopes);
  return scopeWords(asked).filter((w) => w !== 'offline_access' && !own.has(w));
}

/**
 * What a sign-in of the extension grant asks for: the profile's scopes (offline access, the
 * account), what the grant already holds for the same account (other extensions keep
 * theirs), and `asked`.
 */
export function extensionGrantScopes(profile: Profile, current: Session | undefined, accountId: string | undefined, asked: readonly string[]): string[] {
  const held = current && current.account.id === accountId ? scopeWords(current.scope) : [];
  return [...new Set([...profile.scopes, ...held, ...scopeWords(asked)])];
}

/**
 * The profile an extension's request for `scopes` is served as: the profile itself wherever
 * its own grant holds them (or it is signed out: the coordinator then says so); the extension
 * grant where only that one holds them, for the same account; else the profile, whose
 * coordinator then answers "not signed in for scope ..." (VS Code offers a sign-in).
 */
export async function profileForExtension(store: CredentialStore, profile: Profile, scopes: readonly string[] | undefined): Promise<Profile> {
  const key = scopeKey(scopes);
  // Within the profile's own scopes: no read at all (VS Code asks this at every getSession).
  if (!key || beyondProfile(profile, scopes ?? []).length === 0) return profile;
  const own = await store.read(profile.name);
  if (!own || scopeRoute(own, key, profile.scopes) !== 'not-granted') return profile;
  const granted = await store.read(extensionGrantName(profile.name));
  if (!granted || granted.account.id !== own.account.id) return profile;
  const wider = extensionGrantProfile(profile, scopeWords(granted.scope));
  return scopeRoute(granted, key, wider.scopes) === 'not-granted' ? profile : wider;
}
