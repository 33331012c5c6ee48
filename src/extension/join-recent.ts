// When a createSession may take a sign-in that ended moments ago. No vscode import
// (test/unit/extension-join-recent.test.ts).
import { scopeKey } from '../core/scope-sets';

/**
 * VS Code hands a provider one `createSession` at a time: a second extension that asked
 * (with `createIfNone`) while the first sign-in ran gets its call only after that sign-in
 * ended (seen in code-server 4.139). Within this window after a sign-in, such a call may take it.
 */
export const RECENT_SIGN_IN_MS = 60_000;

interface RecentSignIn {
  scopes: ReadonlySet<string>;
  accountId: string;
  startedAt: number;
  storedAt: number;
  /** The profile the session went to (another than the one signed in to, for another account). */
  storedIn: string;
}

/**
 * Decides which `createSession` may take a sign-in that ended moments ago instead of
 * starting another. VS Code does not tell a provider why it calls `createSession`: the same
 * call (no account named) comes for `createIfNone` that found no session, for "Sign in to
 * another account" and for `forceNewSession`. What tells them apart is what the caller saw
 * just before: VS Code always asks `getSessions(scopes)` first, and calls `createSession`
 * for `createIfNone` only when that answered nothing. So a `createSession` may take a recent
 * sign-in only against an unanswered request: a `getSessions` for the same scope set that
 * answered nothing *before that sign-in was stored* (its caller could not have seen it),
 * each such answer good for one `createSession`. `forceNewSession` and "another account"
 * were answered with sessions (that is why VS Code offered them), so they never take a
 * recent sign-in: they sign in. A call naming an account never joins (its caller gives it
 * to the issuer as the login hint).
 */
export class RecentSignIns {
  private readonly signIns = new Map<string, RecentSignIn>();
  /** Per scope set: when a getSessions naming no account answered nothing. */
  private readonly emptyAnswers = new Map<string, number[]>();

  constructor(private readonly windowMs = RECENT_SIGN_IN_MS) {}

  /** A getSessions(scopes) naming no account answered; only empty answers are kept. */
  noteAnswer(scopes: readonly string[], empty: boolean, now = Date.now()): void {
    if (!empty) return;
    const key = scopeKey(scopes);
    const kept = (this.emptyAnswers.get(key) ?? []).filter((t) => now - t < 3 * this.windowMs);
    kept.push(now);
    this.emptyAnswers.set(key, kept);
  }

  /** A sign-in to `profile` for `scopes` (the union it asked for) began at `startedAt` and was stored at `storedAt` in `storedIn`. */
  noteSignIn(profile: string, scopes: readonly string[], accountId: string, startedAt: number, storedAt = Date.now(), storedIn = profile): void {
    this.signIns.set(profile, { scopes: new Set(scopes), accountId, startedAt, storedAt, storedIn });
  }

  /**
   * Called for every createSession naming no account (it takes up one empty answer: its
   * own caller's, where that caller had one). Resolves to the recent sign-in of `profile`
   * it may take, or undefined (then it signs in): only when an empty answer for its scope
   * set came before that sign-in was stored, and not long before it began (the caller's
   * consent dialog waited meanwhile).
   */
  claim(profile: string, scopes: readonly string[], now = Date.now()): { accountId: string; storedAt: number; storedIn: string } | undefined {
    const answers = this.emptyAnswers.get(scopeKey(scopes)) ?? [];
    const recent = this.signIns.get(profile);
    if (recent && now - recent.storedAt <= this.windowMs && scopes.every((s) => recent.scopes.has(s))) {
      const i = answers.findIndex((t) => t <= recent.storedAt && t >= recent.startedAt - this.windowMs);
      if (i >= 0) {
        answers.splice(i, 1);
        return { accountId: recent.accountId, storedAt: recent.storedAt, storedIn: recent.storedIn };
      }
    }
    // Signs in itself: the newest empty answer was most likely its own caller's.
    let newest = -1;
    answers.forEach((t, i) => { if (t <= now && (newest < 0 || t >= answers[newest]!)) newest = i; });
    if (newest >= 0) answers.splice(newest, 1);
    return undefined;
  }
}
