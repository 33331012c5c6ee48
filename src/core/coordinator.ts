import { InvalidGrantError, LockTimeoutError, RefreshFailedError, ScopeNotGrantedError, ScopeRefusedError, SignInRequiredError, errnoCode } from './errors';
import type { CoordinatorParts, RefreshStep, SessionRequest } from './coordinator-parts';
import type { HeldLock } from './lock';
import { loginCommand, type Profile } from './profile';
import { ClaimedElsewhere } from './refresh-record';
import { coversScopes, missingFromGrant, narrowingRefused as narrowingRefusedIn, scopeKey, scopeRoute, scopesNotGranted, sessionForScopes } from './scope-sets';
import { fingerprint, isFresh, sessionAfterRefresh, type Session } from './session';
import { sessionAfterScopedRefresh, withNarrowingRefused } from './scoped-refresh';
import { describeWriteError } from './private-files';
import { noRefreshTokenError } from './missing-refresh-token';
import { KEEP, type WriteReservation } from './store';
import { abortable, sleep } from './timing';
import { redactSecrets } from './redact';

export type { CoordinatorParts, RefreshStep, SessionRequest } from './coordinator-parts';

/**
 * After a failed refresh, how long other processes report that failure instead of
 * repeating the request (longer if the issuer asked for longer with Retry-After).
 */
const FAILURE_COOL_DOWN_MS = 5_000;
const MAX_COOL_DOWN_MS = 5 * 60_000;

interface Want {
  profile: Profile;
  toleranceSeconds: number;
  rejectedAccessToken?: string;
  /** The normalised scope set ('' = the grant's own). */
  scopes: string;
}

/**
 * The refresh coordinator (docs/design.md, "The refresh algorithm"): however many callers
 * in however many processes find the access token stale at once, one refresh request
 * reaches the issuer, and every caller gets its result.
 */
export class TokenCoordinator {
  private readonly inflight = new Map<string, Promise<Session>>();
  private readonly lookups = new Map<string, Promise<Session>>();
  private readonly log: (message: string) => void;

  constructor(private readonly parts: CoordinatorParts) {
    this.log = parts.log ?? (() => {});
  }

  /**
   * A session whose access token is valid for at least the tolerance, refreshed if need be.
   *
   * Callers with the same wants that arrive while a lookup is under way share it: a burst
   * of 10,000 calls in one tick (the extension's case) then reads the store once and costs
   * each caller one map lookup. Looking up for each caller meant 10,000 synchronous reads
   * of credentials.json, then 10,000 continuations, all before the one refresh they need
   * could start. A shared lookup is at most as old as its own read, and a stale answer
   * sends it to the lock, where the store is read again. A caller that brings a rejected
   * access token always looks for itself. Not `async`: each caller gets the shared promise
   * itself, with no per-caller wrapper to settle before the refresh begins.
   */
  getSession(request: SessionRequest): Promise<Session> {
    const want: Want = {
      profile: request.profile,
      toleranceSeconds: request.minValiditySeconds ?? request.profile.refreshToleranceSeconds,
      rejectedAccessToken: request.rejectedAccessToken,
      scopes: scopeKey(request.scopes),
    };
    if (want.rejectedAccessToken) return abortable(this.lookUp(want), request.signal);
    const key = `${want.profile.name}\n${want.toleranceSeconds}\n${want.scopes}`;
    let lookup = this.lookups.get(key);
    if (!lookup) {
      const mine = this.lookUp(want);
      this.lookups.set(key, mine);
      const drop = (): void => { if (this.lookups.get(key) === mine) this.lookups.delete(key); };
      mine.then(drop, drop);
      lookup = mine;
    }
    return abortable(lookup, request.signal);
  }

  private async lookUp(want: Want): Promise<Session> {
    // 1. Lock-free fast path.
    const session = await this.parts.store.read(want.profile.name);
    if (!session) throw this.notSignedIn(want.profile);
    const usable = this.usable(session, want);
    if (usable) return usable;
    this.assertGranted(session, want);
    // 2. Join a refresh already under way in this process (for the same scope set).
    return this.singleFlight(want);
  }

  private singleFlight(want: Want): Promise<Session> {
    const key = `${want.profile.name}\n${want.scopes}`;
    let pending = this.inflight.get(key);
    if (!pending) {
      // Wrapped so that even a synchronous throw becomes this promise's rejection,
      // and the entry is dropped on success and failure alike: a rejected promise is never reused.
      pending = Promise.resolve().then(() => this.refreshAcrossProcesses(want));
      this.inflight.set(key, pending);
      const drop = (): void => { if (this.inflight.get(key) === pending) this.inflight.delete(key); };
      pending.then(drop, drop);
      this.parts.onRefresh?.(pending);
    }
    return pending;
  }

  /** 3. Take the cross-process lock, or wait for the holder's result instead of queueing. */
  private async refreshAcrossProcesses(want: Want): Promise<Session> {
    const started = Date.now();
    const deadline = started + this.parts.timings.lockTimeoutMs;
    let claimedBy: number | undefined;
    for (;;) {
      const held = await this.parts.lock.tryAcquire();
      if (held) {
        let result: Session | ClaimedElsewhere;
        try {
          result = await this.refreshHoldingLock(want, held, 0);
        } finally {
          await held.release();
        }
        if (!(result instanceof ClaimedElsewhere)) return result;
        // Another live process is redeeming the token (it held the lock before and was
        // frozen, or took it at the same moment): wait for its outcome like any waiter.
        claimedBy = result.pid;
      }
      const siblings = await this.waitForSibling(want, started, deadline, claimedBy);
      if (siblings) return siblings;
    }
  }

  /**
   * Waits until the store shows a usable session (a sibling refreshed), the holder
   * reports a failure, or the lock is free again (then the caller tries to take it).
   */
  private async waitForSibling(want: Want, started: number, deadline: number, claimedBy?: number): Promise<Session | undefined> {
    const { store, lock, record } = this.parts;
    let stamp = await store.changeStamp();
    const waitStarted = Date.now();
    let lastLockCheck = waitStarted;
    while (Date.now() < deadline) {
      await sleep(pollInterval(Date.now() - waitStarted));
      const now = Date.now();
      const newStamp = await store.changeStamp();
      const changed = newStamp !== stamp;
      if (!changed && now - lastLockCheck < LOCK_CHECK_MS) continue;
      stamp = newStamp;
      const session = await store.read(want.profile.name);
      if (!session) throw this.notSignedIn(want.profile);
      const usable = this.usable(session, want);
      if (usable) return usable;
      lastLockCheck = now;
      if (await lock.isHeld()) continue;
      // The holder is done (or dead). If it failed with the token the store still holds,
      // after we began waiting, its failure is our answer: do not repeat a doomed request.
      const outcome = record.read(want.profile.name);
      if (outcome?.outcome === 'failed' && outcome.at >= started && outcome.presented === fingerprint(session.refreshToken)) {
        throw new RefreshFailedError(outcome.message ?? 'Another credshare process failed to refresh this session.');
      }
      return undefined;
    }
    if (claimedBy !== undefined) {
      throw new LockTimeoutError(`Gave up after ${Math.round((Date.now() - started) / 1000)}s waiting for credshare process ${claimedBy} to finish redeeming the refresh token `
        + `(is it stopped or suspended?). Resume or end that process, then try again; your credentials are kept.`);
    }
    throw lock.timeoutError(Date.now() - started);
  }

  /**
   * 4-7. Holding the lock: re-read, refresh with what is on disk now, persist first.
   * Resolves to ClaimedElsewhere when a live process is already redeeming that token.
   */
  private async refreshHoldingLock(want: Want, held: HeldLock, depth: number): Promise<Session | ClaimedElsewhere> {
    const { store, record } = this.parts;
    const { profile } = want;
    const current = await store.read(profile.name);
    if (!current) throw this.notSignedIn(profile);
    const usable = this.usable(current, want);
    if (usable) return usable;
    this.assertGranted(current, want);
    if (!current.refreshToken) throw noRefreshTokenError(profile, current);
    const presented = current.refreshToken;
    this.assertPresentable(profile, presented);
    await this.step('locked');
    // The lock funnels callers; the claim is what guarantees one redemption per token,
    // also when the lock was taken over from a frozen holder (RefreshRecord.claim).
    const claim = record.claim(fingerprint(presented));
    if (claim instanceof ClaimedElsewhere) {
      this.log(`process ${claim.pid} is redeeming refresh token ${fingerprint(presented)}; waiting for its outcome`);
      return claim;
    }
    try {
      // Checked again now that nobody else can present it: a process that took the lock
      // over while this one was frozen may have redeemed it and stored the result already.
      const now = await store.read(profile.name);
      if (now?.refreshToken !== presented) {
        claim.release();
        if (depth > 2) throw new RefreshFailedError(`The session in ${store.location} kept changing while credshare was refreshing it. Try again.`);
        return await this.refreshHoldingLock(want, held, depth + 1);
      }
      this.assertPresentable(profile, presented);
      // Room for the result before the token is spent: a full disk fails here, harmlessly.
      const reservation = await store.reserveWrite?.();
      try {
        return await this.redeem(want, held, now, depth, reservation);
      } finally {
        reservation?.release();
      }
    } finally {
      // After the outcome is recorded (redeem did that), so a spent token stays unpresentable.
      claim.release();
    }
  }

  /**
   * Refuses to present a token the record says is spent (the issuer would revoke the whole
   * session), or one whose redemption just failed in another process (its answer stands
   * until `retryAt`, so a crowd of processes does not repeat a doomed request).
   */
  private assertPresentable(profile: Profile, refreshToken: string): void {
    const last = this.parts.record.read(profile.name);
    const presented = fingerprint(refreshToken);
    if (last?.spent.includes(presented)) {
      throw this.notSignedIn(profile, `${this.parts.store.location} holds a refresh token that was already used (a stale copy?)`);
    }
    // Another process's failure only: this one's own next attempt is a deliberate retry.
    if (last?.outcome === 'failed' && last.presented === presented && last.by !== process.pid && last.retryAt !== undefined && Date.now() < last.retryAt) {
      throw new RefreshFailedError(last.message ?? 'Another credshare process failed to refresh this session just now; try again shortly.');
    }
  }

  /** 5-7, holding the lock and the claim on the stored refresh token. */
  private async redeem(want: Want, held: HeldLock, current: Session, depth: number, reservation?: WriteReservation): Promise<Session | ClaimedElsewhere> {
    const { store, record, refresher, timings } = this.parts;
    const { profile } = want;
    const presented = current.refreshToken;
    // A scope set other than the grant's: ask for it (RFC 6749 §6); the grant keeps its scope.
    const scope = scopeRoute(current, want.scopes, profile.scopes) === 'narrow' ? want.scopes : undefined;
    let tokens;
    const asked = performance.now();
    try {
      this.log(`refreshing profile "${profile.name}"${scope ? ` for scope "${scope}"` : ''} (refresh token ${fingerprint(presented)})`);
      await this.step('before-request');
      tokens = await refresher(profile, presented, timings.requestTimeoutMs, { log: this.log, ...(scope ? { scope } : {}) });
    } catch (error) {
      if (error instanceof InvalidGrantError) return this.recoverFromInvalidGrant(want, held, presented, depth, error);
      if (error instanceof ScopeRefusedError && scope) return this.narrowingRefused(want, held, current, error, depth);
      const retryAfterMs = error instanceof RefreshFailedError ? error.retryAfterMs ?? 0 : 0;
      const coolDown = Math.min(Math.max(retryAfterMs, FAILURE_COOL_DOWN_MS), MAX_COOL_DOWN_MS);
      record.write(profile.name, { outcome: 'failed', presented: fingerprint(presented), at: Date.now(), retryAt: Date.now() + coolDown, by: process.pid, message: redactSecrets((error as Error).message, [presented, current.accessToken]) });
      throw error;
    }
    // Persist before anything else: the presented token is spent from this moment on.
    const next = scope ? sessionAfterScopedRefresh(current, tokens, scope) : sessionAfterRefresh(current, tokens);
    // Compare-and-set: a sign-in or sign-out that landed meanwhile wins over this refresh.
    const answered = performance.now();
    await this.step('answered');
    let stored: Session | undefined;
    try {
      stored = await store.update(profile.name, (now) => (now?.refreshToken === presented ? next : KEEP), reservation);
    } catch (error) {
      // The issuer has rotated: the old token is spent and the new one cannot be kept. Say
      // so (the store's own message would say "nothing was changed"), and record the old
      // one spent so that no process presents it and trips the issuer's reuse detection.
      record.write(profile.name, { outcome: 'signed-out', presented: fingerprint(presented), at: Date.now() }, fingerprint(presented));
      const cause = (error as { cause?: unknown }).cause;
      const why = errnoCode(cause) ? describeWriteError(cause) : (error as Error).message;
      throw new SignInRequiredError(`Refreshed, but the new tokens could not be saved in ${store.location} (${why}), `
        + `and the issuer has already retired the old ones: this session is lost. Fix that, then run \`${loginCommand(profile.name)}\`.`, { cause: error });
    }
    // The window in which a crash loses the session: the issuer has rotated, the store not yet.
    this.log(`issuer answered in ${(answered - asked).toFixed(1)} ms; stored ${(performance.now() - answered).toFixed(2)} ms later`);
    await this.step('written');
    if (tokens.problem) this.log(tokens.problem);
    const rotated = next.refreshToken !== presented;
    record.write(profile.name, { outcome: 'refreshed', presented: fingerprint(presented), at: Date.now() }, rotated ? fingerprint(presented) : undefined);
    if (held.compromised) this.log('the refresh lock was taken over while refreshing; the result was stored with compare-and-set');
    if (narrowingRefusedIn(next) && !narrowingRefusedIn(current)) this.log(`${profile.issuer} answered scope "${scope}" with a wider scope: it cannot narrow; handing out the grant's token`);
    if (stored === next) return this.view(next, want);
    if (!stored) throw this.notSignedIn(profile, 'signed out by another process while refreshing');
    this.log(`profile "${profile.name}" changed while refreshing; keeping the newer session`);
    return this.view(stored, want);
  }

  /**
   * The issuer refused the narrower scope; the refresh token was not spent. A set within
   * the grant: the issuer cannot narrow, which the store records (doctor says so) and the
   * grant's own token, with its real scopes, serves every set from now on. A set beyond the
   * grant: only a sign-in for the union can add it.
   */
  private async narrowingRefused(want: Want, held: HeldLock, current: Session, error: ScopeRefusedError, depth: number): Promise<Session | ClaimedElsewhere> {
    const { profile } = want;
    if (!coversScopes(current.scope, want.scopes)) {
      // Remembered for this grant, so that nobody asks again until a new sign-in.
      const key = want.scopes;
      await this.parts.store.update(profile.name, (now) => (now?.refreshToken === current.refreshToken && !scopesNotGranted(now).includes(key)
        ? { ...now, scopesNotGranted: [...scopesNotGranted(now), key] } : KEEP));
      throw this.notGranted(want, current, error.message, error);
    }
    this.log(`${error.message} It cannot narrow; handing out the grant's token.`);
    await this.parts.store.update(profile.name, (now) => (now?.refreshToken === current.refreshToken ? withNarrowingRefused(now, error.message) : KEEP));
    if (depth > 2) throw error;
    return this.refreshHoldingLock(want, held, depth + 1);
  }

  /**
   * 6. invalid_grant, or a bare 400/401 refusal (refresh-grant.ts): a sibling may have won
   * with a newer token (it wrote under a lock we could not see, or a window's store lags).
   * Re-read for a while; adopt a newer non-empty refresh token; delete only if the store
   * still holds the token that failed. Either way the failed token is recorded spent, so
   * no process ever presents it again.
   */
  private async recoverFromInvalidGrant(want: Want, held: HeldLock, failed: string, depth: number, refusal: InvalidGrantError): Promise<Session | ClaimedElsewhere> {
    const { store, record } = this.parts;
    const { profile } = want;
    const { attempts, intervalMs } = this.parts.invalidGrantRechecks ?? { attempts: 5, intervalMs: 100 };
    const siblingWon = (s: Session | undefined): s is Session => !!s && s.refreshToken !== '' && s.refreshToken !== failed;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const now = await store.read(profile.name);
      if (siblingWon(now)) return this.adoptSibling(want, held, now, depth);
      if (!now) break;
      await sleep(intervalMs);
    }
    const after = await store.update(profile.name, (now) => (now && !siblingWon(now) ? undefined : KEEP));
    if (siblingWon(after)) return this.adoptSibling(want, held, after, depth);
    const why = `${refusal.message}, so the session was removed`;
    record.write(profile.name, { outcome: 'signed-out', presented: fingerprint(failed), at: Date.now(), message: why }, fingerprint(failed));
    throw new SignInRequiredError(`Signed out: ${why}. Sign in again: run \`${loginCommand(profile.name)}\`.`, { cause: refusal });
  }

  private async adoptSibling(want: Want, held: HeldLock, session: Session, depth: number): Promise<Session | ClaimedElsewhere> {
    this.log(`profile "${want.profile.name}": adopting a session another process wrote`);
    const usable = this.usable(session, want);
    if (usable) return usable;
    if (depth > 0) return this.view(session, want);
    return this.refreshHoldingLock(want, held, depth + 1);
  }

  private async step(step: RefreshStep): Promise<void> {
    if (this.parts.onStep) await this.parts.onStep(step);
  }

  /** The session as this caller sees it (its scope set's token) if valid for the tolerance and not rejected. */
  private usable(session: Session, want: Want): Session | undefined {
    const view = sessionForScopes(session, want.scopes, want.profile.scopes);
    return view && isFresh(view, want.toleranceSeconds) && view.accessToken !== want.rejectedAccessToken ? view : undefined;
  }

  /**
   * Throws, before any request, for a scope set the grant does not hold (a refresh may not
   * add scopes: RFC 6749 §6) or one the issuer already refused for this grant.
   */
  private assertGranted(session: Session, want: Want): void {
    if (!want.scopes) return;
    if (scopeRoute(session, want.scopes, want.profile.scopes) === 'not-granted') {
      const missing = missingFromGrant(session, want.scopes, want.profile.scopes).join(' ');
      throw this.notGranted(want, session, `a refresh cannot add "${missing}" (RFC 6749 section 6), so none was sent`);
    }
    if (scopesNotGranted(session).includes(want.scopes)) throw this.notGranted(want, session, 'the issuer refused it before');
  }

  private notGranted(want: Want, session: Session, why: string, cause?: unknown): ScopeNotGrantedError {
    const { profile } = want;
    const union = scopeKey([...profile.scopes, ...session.scope.split(' '), ...want.scopes.split(' ')]);
    return new ScopeNotGrantedError(`Profile "${profile.name}" is not signed in for scope "${want.scopes}" (the grant holds "${session.scope}"; ${why}). `
      + `Sign in for it: \`${loginCommand(profile.name)} --scope "${union}"\`.`, { cause });
  }

  /** The session as this caller sees it, fresh or not (the grant's when the set has no token). */
  private view(session: Session, want: Want): Session {
    return sessionForScopes(session, want.scopes, want.profile.scopes) ?? session;
  }

  private notSignedIn(profile: Profile, why?: string): SignInRequiredError {
    return new SignInRequiredError(`Not signed in to profile "${profile.name}"${why ? ` (${why})` : ` (no session in ${this.parts.store.location})`}. Run \`${loginCommand(profile.name)}\`.`);
  }
}

/**
 * How long a waiter sleeps between looks at the store: often at first (on an idle machine
 * a refresh takes tens of milliseconds), then ever less often the longer it has waited, so
 * that waiting adds at most ~1/8 to the wait. Every look costs CPU, and in a storm of a
 * thousand processes on two cores the old fixed 50 ms (plus a full read and a lock check
 * every 100 ms) had the waiters burning CPU that the one process they all wait for needed.
 */
function pollInterval(waitedMs: number): number {
  return Math.min(Math.max(5, waitedMs / 8), MAX_POLL_MS);
}

/**
 * The slowest look: reached after 8 s of waiting, which only happens when the machine is
 * overloaded (a storm of a thousand processes on two cores). A slower look then costs a
 * waiter at most an eighth of its wait and gives the CPU to the process it waits for.
 */
const MAX_POLL_MS = 1000;

/**
 * Without a change to the store, how often a waiter reads it and checks whether the lock is
 * still held: that is how it learns that the holder failed or died (rare, and a dead
 * holder's lock goes stale only after lockStaleMs anyway). A refresh that succeeded changes
 * the store, which the cheap stamp check sees at the next look.
 */
const LOCK_CHECK_MS = 1000;
