import * as vscode from 'vscode';
import { fingerprint, type Session } from '../core/session';
import { sessionState, snapshotState, type StoreSnapshot } from './session-events';

export type { StoreSnapshot } from './session-events';

/** A change of any profile's session, or of the active profile, as seen by this window. */
export interface SessionTransition {
  previous: StoreSnapshot | undefined;
  current: StoreSnapshot;
  /** The first look at the store: a baseline for displays, not a change to announce. */
  initial: boolean;
}

/**
 * Turns "the store may have changed" signals (file events, SecretStorage events, the slow
 * safety check, a profile switch) into real transitions of every profile: debounced, and
 * compared by fingerprint, so listeners (onDidChangeSessions, the status bar) never fire
 * for nothing. One read of every profile per signal: the idle cost is the signals' own
 * (file events, one stat a minute), not a poll per profile.
 */
export class SessionWatcher implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<SessionTransition>();
  readonly onDidTransition = this.emitter.event;
  private last: StoreSnapshot | undefined;
  private lastState: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> = Promise.resolve();

  constructor(
    private readonly read: () => Promise<StoreSnapshot>,
    private readonly log: vscode.LogOutputChannel,
    private readonly debounceMs = 75,
  ) {}

  /** The active profile's session as last seen (no I/O). */
  get current(): Session | undefined {
    return this.last?.profiles.get(this.last.active);
  }

  /** Every profile as last seen (no I/O); undefined before the first look. */
  get snapshot(): StoreSnapshot | undefined {
    return this.last;
  }

  /** Something may have changed: check after the debounce. */
  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.check(), this.debounceMs);
  }

  /** Check now (after any check under way), e.g. after this window wrote the store itself. */
  check(): Promise<void> {
    this.checking = this.checking.then(() => this.compare());
    return this.checking;
  }

  private async compare(): Promise<void> {
    let current: StoreSnapshot;
    try {
      current = await this.read();
    } catch (error) {
      this.log.warn(`cannot read the store to look for changes: ${(error as Error).message}`);
      return;
    }
    const state = snapshotState(current);
    if (state === this.lastState) return;
    const previous = this.last;
    const initial = this.lastState === undefined;
    this.last = current;
    this.lastState = state;
    if (!initial) for (const line of describe(previous, current)) this.log.info(line);
    this.emitter.fire({ previous, current, initial });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.emitter.dispose();
  }
}

/** One log line per profile that changed (never a token: fingerprints only). */
function describe(previous: StoreSnapshot | undefined, current: StoreSnapshot): string[] {
  const lines: string[] = [];
  if (previous?.active !== current.active) lines.push(`profile "${current.active}" now active`);
  for (const profile of new Set([...(previous?.profiles.keys() ?? []), ...current.profiles.keys()])) {
    const before = previous?.profiles.get(profile);
    const after = current.profiles.get(profile);
    if (sessionState(before) === sessionState(after)) continue;
    const what = !before ? 'session signed in' : !after ? 'session signed out' : before.account.id !== after.account.id ? 'another account signed in' : 'session changed';
    lines.push(`profile "${profile}": ${what}${after ? ` (access token ${fingerprint(after.accessToken)})` : ''}`);
  }
  return lines;
}
