import type { Session } from './session';

/** Returned by an update function to leave the stored session exactly as it is. */
export const KEEP = Symbol('keep');

/** What an update function returns: the new session, `undefined` to delete it, or KEEP. */
export type SessionChange = Session | undefined | typeof KEEP;

/** What {@link CredentialStore.reserveWrite} set aside; released however the refresh ends. */
export interface WriteReservation {
  release(): void;
}

/**
 * Where sessions live. The file store implements the `credentials.json` contract; the
 * extension adds one over VS Code's SecretStorage. The coordinator needs only this.
 */
export interface CredentialStore {
  /** Where the sessions live, for messages (a path, or "VS Code SecretStorage"). */
  readonly location: string;
  read(profile: string): Promise<Session | undefined>;
  /**
   * Read-modify-write of one profile's session. The caller holds the cross-process
   * lock; `change` sees what is stored now and decides (compare-and-set, compare-and-delete).
   * Resolves to what is stored afterwards.
   */
  update(profile: string, change: (current: Session | undefined) => SessionChange, reservation?: WriteReservation): Promise<Session | undefined>;
  /**
   * Optional: sets aside what the next `update` needs (the file store: a temp file with
   * its disk space), so that a refresh finds out about a full disk before it spends the
   * refresh token, not after; pass the result to that `update`. Throws when it cannot.
   */
  reserveWrite?(): Promise<WriteReservation>;
  /** A cheap value that changes whenever the store may have changed; waiters poll it. */
  changeStamp(): Promise<string>;
}
