import * as vscode from 'vscode';
import { fingerprint, type Session } from '../core/session';

/** A change of the active profile's session, as seen by this window. */
export interface SessionTransition {
  previous: Session | undefined;
  current: Session | undefined;
  /** The first look at the store: a baseline for displays, not a change to announce. */
  initial: boolean;
}

/** Everything about a session that a listener could care about, in non-secret form. */
export function sessionState(session: Session | undefined): string {
  if (!session) return 'signed-out';
  return [fingerprint(session.accessToken), fingerprint(session.refreshToken), session.expiresAt, session.account.id, session.account.label].join('|');
}

/**
 * Turns "the store may have changed" signals (file events, SecretStorage events, polls)
 * into real session transitions: debounced, and compared by fingerprint, so listeners
 * (onDidChangeSessions, the status bar) never fire for nothing.
 */
export class SessionWatcher implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<SessionTransition>();
  readonly onDidTransition = this.emitter.event;
  private last: Session | undefined;
  private lastState: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> = Promise.resolve();

  constructor(
    private readonly read: () => Promise<Session | undefined>,
    private readonly log: vscode.LogOutputChannel,
    private readonly debounceMs = 75,
  ) {}

  /** The session as last seen (no I/O). */
  get current(): Session | undefined {
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
    let current: Session | undefined;
    try {
      current = await this.read();
    } catch (error) {
      this.log.warn(`cannot read the store to look for changes: ${(error as Error).message}`);
      return;
    }
    const state = sessionState(current);
    if (state === this.lastState) return;
    const previous = this.last;
    const initial = this.lastState === undefined;
    this.last = current;
    this.lastState = state;
    if (!initial) this.log.info(`session ${!previous ? 'signed in' : !current ? 'signed out' : 'changed'}${current ? ` (access token ${fingerprint(current.accessToken)})` : ''}`);
    this.emitter.fire({ previous, current, initial });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.emitter.dispose();
  }
}
