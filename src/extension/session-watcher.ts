import * as vscode from 'vscode';
import { fingerprint, type Session } from '../core/session';

/** The active profile and its session, as read from the store. */
export interface SessionSnapshot {
  profile: string;
  session: Session | undefined;
}

/** A change of the active profile or its session, as seen by this window. */
export interface SessionTransition {
  previous: SessionSnapshot | undefined;
  current: SessionSnapshot;
  /** The first look at the store: a baseline for displays, not a change to announce. */
  initial: boolean;
}

/** Everything about a snapshot that a listener could care about, in non-secret form. */
export function snapshotState({ profile, session }: SessionSnapshot): string {
  if (!session) return `${profile}|signed-out`;
  return [profile, fingerprint(session.accessToken), fingerprint(session.refreshToken), session.expiresAt, session.account.id, session.account.label].join('|');
}

/**
 * Turns "the store may have changed" signals (file events, SecretStorage events, polls,
 * a profile switch) into real transitions: debounced, and compared by fingerprint, so
 * listeners (onDidChangeSessions, the status bar) never fire for nothing.
 */
export class SessionWatcher implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<SessionTransition>();
  readonly onDidTransition = this.emitter.event;
  private last: SessionSnapshot | undefined;
  private lastState: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> = Promise.resolve();

  constructor(
    private readonly read: () => Promise<SessionSnapshot>,
    private readonly log: vscode.LogOutputChannel,
    private readonly debounceMs = 75,
  ) {}

  /** The session as last seen (no I/O). */
  get current(): Session | undefined {
    return this.last?.session;
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
    let current: SessionSnapshot;
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
    if (!initial) this.log.info(describe(previous, current));
    this.emitter.fire({ previous, current, initial });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.emitter.dispose();
  }
}

function describe(previous: SessionSnapshot | undefined, { profile, session }: SessionSnapshot): string {
  const what = previous?.profile !== profile ? `profile "${profile}" now active` : !previous.session ? 'session signed in' : !session ? 'session signed out' : 'session changed';
  return `${what}${session ? ` (access token ${fingerprint(session.accessToken)})` : ''}`;
}
