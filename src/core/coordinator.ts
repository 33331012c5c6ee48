import { InvalidGrantError, RefreshFailedError, ScopeRefusedError, SignInRequiredError, errnoCode } from './errors';
import type { CoordinatorParts, RefreshStep, SessionRequest } from './coordinator-parts';
import { HolderWatch } from './holder-watch';
import type { HeldLock } from './lock';
import { loginCommand, type Profile } from './profile';
import { ClaimedElsewhere, type TokenClaim } from './refresh-record';
import { clientCoolDownMs, errorFromRecord, failureFields, lostRotation, refusalSince, signedOutError, signedOutOutcome } from './refusal-outcomes';
import { coversScopes, narrowingRefused as narrowingRefusedIn, scopeKey, scopeRoute, scopesNotGranted, sessionForScopes } from './scope-sets';
import { fingerprint, isFresh, sessionAfterRefresh, type Session } from './session';
import { sessionAfterScopedRefresh, withNarrowingRefused } from './scoped-refresh';
import { describeWriteError } from './private-files';
import { noRefreshTokenError } from './missing-refresh-token';
import { KEEP, type WriteReservation } from './store';
import { abortable, sleep } from './timing';
import { assertGranted, notGranted } from './scope-checks';
import { LOCK_CHECK_MS, pollInterval } from './wait-pace';
import { answeredLate, notExpired } from './late-answer';
import { redactError, sessionSecrets } from './redact';

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
  since: number; // when the caller asked (epoch ms): a refusal recorded since is its answer
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
      since: Date.now(),
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
    if (!session) throw this.notSignedIn(want.profile, undefined, want.since);
    const usable = this.usable(session, want);
    if (usable) return usable;
    assertGranted(session, want);
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
    const { lock, record, timings } = this.parts;
    const watch = new HolderWatch({ lock, record, staleMs: timings.lockStaleMs, hardCapMs: timings.lockTimeoutMs });
    let claimed: ClaimedElsewhere | undefined;
    for (;;) {
      const held = await lock.tryAcquire();
      if (held) {
        let result: Session | ClaimedElsewhere;
        try {
          result = await this.refreshHoldingLock(want, held, 0);
          // An answer that arrived too late to be fresh: once more, with the token it brought (late-answer.ts).
          if (answeredLate(result, want, this.log)) result = await this.refreshHoldingLock(want, held, 1);
        } finally {
          await held.release();
        }
        if (!(result instanceof ClaimedElsewhere)) return notExpired(result, want, this.log);
        // Another live process is redeeming the token (it held the lock before and was
        // frozen or starved past the stale period, or took it at the same moment): wait
        // for its outcome like any waiter, watching that process.
        claimed = result;
      }
      const siblings = await this.waitForSibling(want, watch, claimed);
      if (siblings) return siblings;
    }
  }

  /**
   * Waits until the store shows a usable session (a sibling refreshed), the holder
   * reports a failure, or the lock is free again (then the caller tries to take it).
   * Fails only for a holder that makes no progress (holder-watch.ts), and only after one
   * more look at the store.
   */
  private async waitForSibling(want: Want, watch: HolderWatch, claimed?: ClaimedElsewhere): Promise<Session | undefined> {
    const { store, record } = this.parts;
    if (!claimed) this.log('another process holds the refresh lock; waiting for its result');
    let stamp = await store.changeStamp();
    const waitStarted = Date.now();
    let lastLockCheck = waitStarted;
    for (;;) {
      await sleep(pollInterval(Date.now() - waitStarted));
      const now = Date.now();
      const newStamp = await store.changeStamp();
      const changed = newStamp !== stamp;
      if (!changed && now - lastLockCheck < LOCK_CHECK_MS) continue;
      stamp = newStamp;
      lastLockCheck = now;
      // The store is parsed only when it changed: an unchanged stamp is an unchanged file.
      if (changed) {
        const usable = this.usable(await this.readSignedIn(want), want);
        if (usable) return usable;
      }
      const verdict = await watch.check(claimed && { token: claimed.token, pid: claimed.pid });
      if (verdict.kind === 'wait') continue;
      // One more read before anything else: a waiter that wakes up late (starved, or stopped
      // itself) returns a refresh that finished meanwhile instead of failing beside it.
      const session = await this.readSignedIn(want);
      const usable = this.usable(session, want);
      if (usable) return usable;
      if (verdict.kind !== 'try-lock') {
        this.log(`giving up the wait: ${verdict.kind}${verdict.holder ? ` (process ${verdict.holder.pid})` : ''}`);
        throw watch.failure(verdict, want.profile.name);
      }
      // The holder is done (or dead). If it failed with the token the store still holds,
      // after we began waiting, its failure is our answer: do not repeat a doomed request.
      const outcome = record.read(want.profile.name);
      if (outcome?.outcome === 'failed' && outcome.at >= watch.startedAt && outcome.presented === fingerprint(session.refreshToken)) {
        throw errorFromRecord(outcome);
      }
      return undefined;
    }
  }

  /** The stored session; none is "not signed in". */
  private async readSignedIn(want: Want): Promise<Session> {
    const session = await this.parts.store.read(want.profile.name);
    if (!session) throw this.notSignedIn(want.profile, undefined, want.since);
    return session;
  }

  /**
   * 4-7. Holding the lock: re-read, refresh with what is on disk now, persist first.
   * Resolves to ClaimedElsewhere when a live process is already redeeming that token.
   */
  private async refreshHoldingLock(want: Want, held: HeldLock, depth: number): Promise<Session | ClaimedElsewhere> {
    const { store, record } = this.parts;
    const { profile } = want;
    const current = await store.read(profile.name);
    if (!current) throw this.notSignedIn(profile, undefined, want.since);
    const usable = this.usable(current, want);
    if (usable) return usable;
    assertGranted(current, want);
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
        return await this.redeem(want, held, now, depth, claim, reservation);
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
      throw errorFromRecord(last);
    }
  }

  /** 5-7, holding the lock and the claim on the stored refresh token. */
  private async redeem(want: Want, held: HeldLock, current: Session, depth: number, claim: TokenClaim, reservation?: WriteReservation): Promise<Session | ClaimedElsewhere> {
    const { store, record, refresher, timings } = this.parts;
    const { profile } = want;
    const presented = current.refreshToken;
    // A scope set other than the grant's: ask for it (RFC 6749 §6); the grant keeps its scope.
    const scope = scopeRoute(current, want.scopes, profile.scopes) === 'narrow' ? want.scopes : undefined;
    let tokens;
    const asked = performance.now();
    const requestedAt = Date.now(); // the new token's expiry is dated from the request (token-expiry.ts)
    try {
      this.log(`refreshing profile "${profile.name}"${scope ? ` for scope "${scope}"` : ''} (refresh token ${fingerprint(presented)})`);
      await this.step('before-request');
      tokens = await refresher(profile, presented, timings.requestTimeoutMs, { log: this.log, ...(scope ? { scope } : {}), provenShapes: record.read(profile.name)?.shapes ?? [] });
    } catch (error) {
      // The issuer's text may quote any secret of this session, not only the one it was sent.
      redactError(error, [presented, ...sessionSecrets(current), profile.clientSecret]);
      if (error instanceof InvalidGrantError) return this.recoverFromInvalidGrant(want, held, presented, depth, error, claim);
      if (error instanceof ScopeRefusedError && scope) return this.narrowingRefused(want, held, current, error, depth);
      const retryAfterMs = error instanceof RefreshFailedError ? error.retryAfterMs ?? 0 : 0;
      const coolDown = Math.min(Math.max(retryAfterMs, FAILURE_COOL_DOWN_MS, clientCoolDownMs(error)), MAX_COOL_DOWN_MS);
      record.write(profile.name, { outcome: 'failed', presented: fingerprint(presented), at: Date.now(), retryAt: Date.now() + coolDown, by: process.pid,
        message: (error as Error).message, ...failureFields(error) });
      throw error;
    }
    // Persist before anything else: the presented token is spent from this moment on.
    const sent = tokens.requestedAt ?? requestedAt;
    const next = scope ? sessionAfterScopedRefresh(current, tokens, scope, sent) : sessionAfterRefresh(current, tokens, sent);
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
    if (claim.takenOverFrom) this.log(`took over the claim of process ${claim.takenOverFrom.pid}, which died while redeeming refresh token ${fingerprint(presented)}; the issuer still accepted it, nothing was lost`);
    if (tokens.problem) this.log(tokens.problem);
    const rotated = next.refreshToken !== presented;
    record.write(profile.name, { outcome: 'refreshed', presented: fingerprint(presented), at: Date.now() }, rotated ? fingerprint(presented) : undefined, tokens.shape);
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
      throw notGranted(want, current, error.message, error);
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
  private async recoverFromInvalidGrant(want: Want, held: HeldLock, failed: string, depth: number, refusal: InvalidGrantError, claim: TokenClaim): Promise<Session | ClaimedElsewhere> {
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
    // 17.6: a dead process's claim on this token, and no outcome: the issuer most likely rotated it already.
    const refused = signedOutOutcome(refusal, fingerprint(failed), lostRotation(claim, fingerprint(failed), record, profile.name));
    // Recorded before the session goes (whoever sees it gone finds why) and after (sessionRefusal: never older than the store).
    record.write(profile.name, { ...refused, at: Date.now() }, fingerprint(failed));
    const after = await store.update(profile.name, (now) => (now && !siblingWon(now) ? undefined : KEEP));
    if (siblingWon(after)) return this.adoptSibling(want, held, after, depth);
    record.write(profile.name, { ...refused, at: Date.now() }, fingerprint(failed));
    if (refused.cause) this.log(`profile "${profile.name}": ${refused.message}`);
    throw signedOutError(profile.name, refused.message, refusal);
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

  /** The session as this caller sees it, fresh or not (the grant's when the set has no token). */
  private view(session: Session, want: Want): Session {
    return sessionForScopes(session, want.scopes, want.profile.scopes) ?? session;
  }

  /** No session; if the issuer refused it since `since` (this caller saw it then), that refusal (refusal-outcomes.ts). */
  private notSignedIn(profile: Profile, why?: string, since?: number): SignInRequiredError {
    return (since !== undefined && refusalSince(this.parts.record, profile.name, since)) || new SignInRequiredError(`Not signed in to profile "${profile.name}"${why ? ` (${why})` : ` (no session in ${this.parts.store.location})`}. Run \`${loginCommand(profile.name)}\`.`);
  }
}
