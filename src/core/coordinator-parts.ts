import type { CrossProcessLock } from './lock';
import type { Refresher } from './oauth/refresh-grant';
import type { Profile, Timings } from './profile';
import type { RefreshRecord } from './refresh-record';
import type { Session } from './session';
import type { CredentialStore } from './store';

// The coordinator's contract with its callers (the CLI, the extension, the tests), apart
// from the algorithm in coordinator.ts.

/** What a caller wants: a session for this profile, valid for at least the tolerance. */
export interface SessionRequest {
  profile: Profile;
  /** Overrides the profile's `refreshToleranceSeconds` for this call (`--min-validity`). */
  minValiditySeconds?: number;
  /** An access token the caller saw rejected: treat a session holding it as stale. */
  rejectedAccessToken?: string;
  /**
   * The scopes the access token is for (scope-sets.ts). Absent, or the grant's own set:
   * the grant's token. Another set: its own token, got by a refresh with that `scope`.
   */
  scopes?: readonly string[];
  /** Stops this caller waiting. The refresh itself goes on and is persisted regardless. */
  signal?: AbortSignal;
}

export interface CoordinatorParts {
  store: CredentialStore;
  lock: CrossProcessLock;
  record: RefreshRecord;
  refresher: Refresher;
  timings: Timings;
  /** After invalid_grant, how often and how far apart to re-read the store for a sibling's win. */
  invalidGrantRechecks?: { attempts: number; intervalMs: number };
  /** Diagnostics; never passed a secret. */
  log?: (message: string) => void;
  /**
   * Called when this process starts a refresh of a profile (its own, or waiting for
   * another process's), with the promise that settles when it is over: the extension
   * shows "refreshing" meanwhile.
   */
  onRefresh?: (refresh: Promise<Session>) => void;
  /**
   * TEST-ONLY: awaited at each step of a refresh, so that the fault suite can stop or kill
   * the process at an exact point (test/faults, docs/faults.md). Only the CLI sets it, and
   * only from `CREDSHARE_TEST_PAUSE_AT` (src/cli/test-hooks.ts); production callers leave it unset.
   */
  onStep?: (step: RefreshStep) => void | Promise<void>;
}

/** The points of a refresh at which {@link CoordinatorParts.onStep} runs, in order. */
export type RefreshStep =
  /** Holding the lock, the store re-read, the refresh token about to be claimed. */
  | 'locked'
  /** Everything checked; the next thing is the request that spends the refresh token. */
  | 'before-request'
  /** The issuer answered with new tokens; nothing written yet. */
  | 'answered'
  /** The new tokens are in the store; the outcome not yet recorded, the lock not yet released. */
  | 'written';
