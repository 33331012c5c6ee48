import { DEFAULT_TIMINGS, type Timings } from '../../src/core/profile';
import type { Session } from '../../src/core/session';
import { makeHome as makeScratchHome, type HomeOptions, type ScratchHome } from '../../src/demo/home';

/**
 * A throwaway credshare home with one profile. The implementation lives in src/demo/home.ts,
 * shared with `npm start` and `npm run bench`, so the demo, the benchmark and the tests
 * all write homes the same way.
 */
export type TestHome = ScratchHome;

export function makeHome(options: HomeOptions = {}): TestHome {
  return makeScratchHome({ prefix: 'credshare-test-', ...options });
}

/** A session shaped like the contract, expired unless told otherwise. */
export function sessionFixture(fields: Partial<Session> = {}): Session {
  return {
    accessToken: 'at-0',
    refreshToken: 'rt-0',
    expiresAt: Date.now() - 1000,
    scope: 'openid offline_access',
    account: { id: 'alice', label: 'Alice Example' },
    ...fields,
  };
}

export const fastTimings: Timings = { ...DEFAULT_TIMINGS, lockStaleMs: 2000, lockTimeoutMs: 15_000, requestTimeoutMs: 5000 };
