// What a change of the store means for VS Code: onDidChangeSessions' added/removed/changed.
// No vscode import (test/unit/extension-session-events.test.ts runs it).
import { fingerprint, type Session } from '../core/session';

/**
 * Every profile of config.json (the active one included) and its stored session, as read
 * from the store: one account per signed-in profile. No refresh, no network.
 */
export interface StoreSnapshot {
  /** The profile that answers when no account is named. */
  active: string;
  /** Each profile and its session; undefined while signed out. */
  profiles: ReadonlyMap<string, Session | undefined>;
  /** Each profile's extensions' own grant (core/extension-grant.ts), where read: it serves scope sets beyond the profile's. */
  extensionGrants?: ReadonlyMap<string, Session | undefined>;
}

/** Everything about one profile's session that a listener could care about, in non-secret form. */
export function sessionState(session: Session | undefined): string {
  if (!session) return 'signed-out';
  return [fingerprint(session.accessToken), fingerprint(session.refreshToken), session.expiresAt, session.account.id, session.account.label].join('|');
}

/** The whole snapshot in non-secret form: equal strings, nothing to announce. */
export function snapshotState({ active, profiles, extensionGrants }: StoreSnapshot): string {
  const each = [...profiles.keys()].sort().map((p) => `${p}=${sessionState(profiles.get(p))}`);
  const grants = [...(extensionGrants?.keys() ?? [])].sort().map((p) => `${p}+extensions=${sessionState(extensionGrants?.get(p))}`);
  return [`active=${active}`, ...each, ...grants].join('\n');
}

/** The part of vscode.AuthenticationSession this needs. */
export interface AnnouncedSession {
  id: string;
  account: { id: string; label: string };
}

export interface SessionChanges<S extends AnnouncedSession> {
  added: S[];
  removed: S[];
  changed: S[];
  /** Profiles whose handed-out sessions are gone (signed out, or another account signed in there). */
  forget: string[];
}

/**
 * The event for a change between two snapshots of every profile:
 * - a profile's session refreshed (same account): `changed`, for its grant and every
 *   session handed out for it (each scope set's), so extensions holding one ask again;
 * - signed in: `added`; signed out: `removed`, with the sessions handed out for it;
 *   another account signed in on the profile: both;
 * - an account that is still signed in on another profile is never `removed` (VS Code's
 *   Accounts menu drops an account on `removed`): its sessions come as `changed` instead;
 * - the active profile switched: nothing removed; `changed` for the grants of the old and
 *   the new active profile, because which one answers a caller naming no account changed.
 */
export function sessionChanges<S extends AnnouncedSession>(
  previous: StoreSnapshot,
  current: StoreSnapshot,
  grant: (profile: string, session: Session) => S,
  handedOut: (profile: string) => readonly S[],
): SessionChanges<S> {
  const added = new Map<string, S>();
  const removed = new Map<string, S>();
  const changed = new Map<string, S>();
  const forget: string[] = [];
  const stillSignedIn = (account: Session['account']) =>
    [...current.profiles.values()].some((s) => s && s.account.id === account.id && label(s) === (account.label || account.id));
  const put = (into: Map<string, S>, sessions: readonly S[]) => { for (const s of sessions) into.set(s.id, s); };

  for (const profile of new Set([...previous.profiles.keys(), ...current.profiles.keys()])) {
    const before = previous.profiles.get(profile);
    const after = current.profiles.get(profile);
    if (sessionState(before) === sessionState(after)) {
      // Only the extensions' own grant changed (refreshed, signed in or out): the sessions it serves changed.
      if (after && sessionState(previous.extensionGrants?.get(profile)) !== sessionState(current.extensionGrants?.get(profile))) put(changed, handedOut(profile));
      continue;
    }
    if (before && after && before.account.id === after.account.id) {
      put(changed, [grant(profile, after), ...handedOut(profile)]);
      continue;
    }
    if (before) {
      put(stillSignedIn(before.account) ? changed : removed, [grant(profile, before), ...handedOut(profile)]);
      forget.push(profile);
    }
    if (after) put(added, [grant(profile, after)]);
  }
  if (previous.active !== current.active) {
    for (const profile of [previous.active, current.active]) {
      const session = current.profiles.get(profile);
      if (session) put(changed, [grant(profile, session)]);
    }
  }
  // One list per session: an addition or removal says more than a change.
  for (const id of [...added.keys(), ...removed.keys()]) changed.delete(id);
  return { added: [...added.values()], removed: [...removed.values()], changed: [...changed.values()], forget };
}

function label(session: Session): string {
  return session.account.label || session.account.id;
}
