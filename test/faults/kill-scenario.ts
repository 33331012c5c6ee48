import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { runCli, startCli, type Finished } from '../support/processes';
import { signedInHome, type SignedInHome } from '../support/issuer-home';
import { assertStoreIntact, kill, pauseAt, pausedAt, secretsOf, secretsReadableByOthers, sessionAlive, until } from '../support/fault-env';
import type { Tally } from '../support/fault-report';

/**
 * SIGKILL a refreshing `credshare token` at one step of its refresh, then let other
 * processes carry on. Shared by the fast suite (each step once) and the slow one (each
 * step many times, with a crowd of waiters).
 */
export type KillPoint =
  | 'locked' | 'before-request'
  /** The request reached the issuer, which never answers it (the token stays unspent). */
  | 'in-flight, never processed'
  /** The request reached the issuer, which redeems it after the client died. */
  | 'in-flight, processed after the kill'
  | 'answered' | 'writing' | 'written';

export const KILL_POINTS: KillPoint[] = ['locked', 'before-request', 'in-flight, never processed', 'in-flight, processed after the kill', 'answered', 'writing', 'written'];

/** What the suite asserts after a kill at each point (the table's "expected" column). */
export const KILL_EXPECTED: Record<KillPoint, string> = {
  'locked': 'store intact, lock heals, next call refreshes; session kept',
  'before-request': 'store intact, lock heals, next call refreshes; session kept',
  'in-flight, never processed': 'store intact, lock heals, next call refreshes; session kept',
  'in-flight, processed after the kill': 'session lost (the issuer rotated after the client died: inherent); next call exits 3 "run credshare login"; store intact',
  'answered': 'session lost (inside the crash window: inherent); next call exits 3 "run credshare login"; store intact',
  'writing': 'session lost (inside the crash window: inherent); store intact (old or new, never torn); next call exits 3',
  'written': 'store holds the new session; lock heals; nothing lost',
};

/** Whether a kill at this point must lose the session: the issuer rotated and the new token died with the process. */
export function losesSession(point: KillPoint): boolean {
  return point === 'in-flight, processed after the kill' || point === 'answered' || point === 'writing';
}

export const KILL_TIMINGS = { lockStaleMs: 2000, lockTimeoutMs: 30_000, requestTimeoutMs: 15_000 };

export interface KillOutcome {
  /** The calls made after the kill (recovery, plus the waiters if any). */
  after: Finished[];
  sessionLost: boolean;
  /** From the kill until the first call after it finished. */
  healedMs: number;
  refreshRequests: number;
  reuseDetections: number;
  /** Callers that took the lock but found the token claimed by another live process. */
  claimWaits: number;
}

/**
 * One kill, then `waiters` concurrent `credshare token` calls (they wait for the stale lock
 * and recover). Asserts what must hold at every kill point; the caller asserts the rest.
 */
export async function killOnce(env: SignedInHome, point: KillPoint, waiters = 1): Promise<KillOutcome> {
  env.expire();
  env.issuer.resetStats();
  const before = env.home.readSession()!;
  const secrets = secretsOf(before);
  let step = point;
  if (point.startsWith('in-flight')) {
    step = 'before-request';
    env.issuer.setTokenEndpointFault(point === 'in-flight, never processed' ? { kind: 'hang' } : { kind: 'delay', ms: 1500 }, 1);
  }
  const victim = startCli(['token'], point.startsWith('in-flight') ? env.home.env : pauseAt(env.home.env, step));
  if (point.startsWith('in-flight')) {
    await until(() => env.issuer.stats().refreshRequests === 1, 'the victim\'s refresh request to reach the issuer');
  } else {
    await victim.waitForStderr(pausedAt(step));
  }
  const killed = await kill(victim);
  assert.equal(killed.signal, 'SIGKILL');
  const killedAt = performance.now();
  // The store is never torn, whatever the point.
  assertStoreIntact(env.home.paths.credentials);
  if (point === 'in-flight, processed after the kill') {
    await until(() => env.issuer.stats().refreshSuccesses === 1, 'the issuer to redeem the dead client\'s request', 10_000);
  }
  const after = await Promise.all(Array.from({ length: waiters }, () => runCli(['token'], { ...env.home.env, CREDSHARE_DEBUG: '1' })));
  const healedMs = performance.now() - killedAt;
  assertStoreIntact(env.home.paths.credentials);
  const now = env.home.readSession();
  secrets.push(...secretsOf(now));
  assert.deepEqual(secretsReadableByOthers(env.home.paths.home, secrets), [], 'no secret in a file others can read');
  assert.equal(fs.statSync(env.home.paths.home).mode & 0o777, 0o700);
  if (point !== 'written') {
    // The next call refreshed again (or tried), and cleared what the victim left behind.
    const temps = fs.readdirSync(env.home.paths.home).filter((name) => name.startsWith('.credentials.json.'));
    assert.deepEqual(temps, [], 'no temp file of the victim is left');
  }
  const stats = env.issuer.stats();
  // A process that held the lock while another live one held the token's claim: two
  // holders at once (proper-lockfile lets two waiters take over one stale lock), which
  // only the claim kept from presenting the token twice.
  const claimWaits = after.filter((r) => /is redeeming refresh token/.test(r.stderr)).length;
  for (const r of after) assert.doesNotMatch(r.stderr, new RegExp(secrets.map(escapeRegExp).join('|')), 'no token in the debug log');
  return { after, sessionLost: !(await sessionAlive(env)), healedMs, refreshRequests: stats.refreshRequests, reuseDetections: stats.reuseDetections, claimWaits };
}

/** The expectations of one kill point, asserted and counted into the tally. */
export function assertKillOutcome(point: KillPoint, outcome: KillOutcome, tally: Tally): void {
  tally.tries++;
  const failed = outcome.after.filter((r) => r.code !== 0);
  tally.callsFailed += failed.length;
  if (outcome.sessionLost) tally.sessionsLost++;
  if (losesSession(point)) {
    // The inherent loss: the issuer spent the token, the rotated one was never written.
    assert.equal(outcome.sessionLost, true, 'the rotated token died with the process');
    for (const r of failed) assert.match(r.stderr, /credshare login/, 'the survivors say to sign in again');
    // ... and what happened (17.6): the victim claimed the token and died with the rotated one.
    for (const r of failed) {
      assert.match(r.stderr, /This was probably a reuse of a refresh token the issuer had already rotated: credshare process \d+ \(credshare token\) claimed it \d+s ago to refresh it and ended before it stored the answer/,
        'the survivors say why the session was lost');
    }
    assert.ok(failed.every((r) => r.code === 3), `sign-in needed is exit 3: ${failed.map((r) => r.code)}`);
    // The dead token is presented once more, by one survivor (it cannot know whether the
    // victim's request got through; presenting is the only way the session could survive);
    // the others learn the outcome instead of presenting it again.
    assert.ok(outcome.reuseDetections <= 1, `the spent token was presented ${outcome.reuseDetections} more times`);
  } else {
    assert.deepEqual(failed.map((r) => r.stderr), [], 'every call after the kill succeeds');
    if (point === 'before-request' || point === 'in-flight, never processed') {
      // The victim had claimed the token: the survivor took the claim over and says nothing was lost (its debug log).
      assert.ok(outcome.after.some((r) => /took over the claim of process \d+, which died while redeeming refresh token \w+; the issuer still accepted it, nothing was lost/.test(r.stderr)));
    }
    assert.equal(outcome.sessionLost, false, 'the session survives');
    assert.equal(outcome.reuseDetections, 0, 'no refresh token was presented twice');
    assert.equal(new Set(outcome.after.map((r) => r.stdout)).size, 1, 'every survivor got the same token');
  }
}

export async function killEnv(): Promise<SignedInHome> {
  return signedInHome({ timings: KILL_TIMINGS });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
