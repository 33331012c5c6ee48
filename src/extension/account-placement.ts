// Where a sign-in from VS Code is stored: the profile it was for, or one beside it for
// another account. No vscode import (test/unit/extension-account-placement.test.ts).
import type { Account, Session } from '../core/session';
import { firstFreeName, profileNameFrom } from './account-profile-name';

/** A profile of config.json and its session, if signed in. */
export interface KnownProfile {
  name: string;
  issuer: string;
  clientId: string;
  session: Session | undefined;
}

export interface Placement {
  profile: string;
  /**
   * `target`: the profile the sign-in was for (signed out, or the same account again);
   * `same-account`: another profile of the same issuer and client already signed in as this account;
   * `reused`: a signed-out profile of the same issuer and client with the account's name;
   * `new`: a new profile beside the others, named after the account.
   */
  kind: 'target' | 'same-account' | 'reused' | 'new';
}

/**
 * One account per profile, several accounts side by side (as VS Code's GitHub provider
 * keeps them): a sign-in that comes back as another account than the one signed in on its
 * profile never replaces that account. It goes to the profile already signed in as that
 * account at the same issuer and client, else to a profile named after the account (its
 * label made a valid profile name, `-2`, `-3`... where the name is taken by another issuer,
 * client or account; a signed-out profile of the same issuer and client with that name is
 * reused). The CLI then sees it in `credshare profiles` and with `--profile NAME`.
 */
export function placeSignIn(target: Omit<KnownProfile, 'session'>, profiles: readonly KnownProfile[], account: Account): Placement {
  const current = profiles.find((p) => p.name === target.name)?.session;
  if (!current || current.account.id === account.id) return { profile: target.name, kind: 'target' };
  const sameClient = (p: Omit<KnownProfile, 'session'>) => sameIssuer(p.issuer, target.issuer) && p.clientId === target.clientId;
  const signedInAs = profiles.find((p) => sameClient(p) && p.session?.account.id === account.id);
  if (signedInAs) return { profile: signedInAs.name, kind: 'same-account' };
  const byName = new Map(profiles.map((p) => [p.name, p]));
  const reusable = (p: KnownProfile) => sameClient(p) && !p.session;
  const name = firstFreeName(profileNameFrom(account.label || account.id), (n) => !byName.has(n) || reusable(byName.get(n)!));
  return { profile: name, kind: byName.has(name) ? 'reused' : 'new' };
}

function sameIssuer(a: string, b: string): boolean {
  const norm = (u: string) => u.replace(/\/+$/, '');
  return norm(a) === norm(b);
}
