import * as vscode from 'vscode';
import { SignInRequiredError } from '../core/errors';

/** What this window is doing about the session, for the status bar. */
export type Activity = { kind: 'idle' } | { kind: 'refreshing' } | { kind: 'error'; message: string };

/** Tracks refreshes under way in this window and the last failure, firing only on change. */
export class ActivityTracker implements vscode.Disposable {
  private refreshing = 0;
  private now: Activity = { kind: 'idle' };
  private readonly emitter = new vscode.EventEmitter<Activity>();
  readonly onDidChange = this.emitter.event;

  get current(): Activity {
    return this.now;
  }

  /**
   * A refresh (the coordinator's onRefresh) is under way until `refresh` settles. The
   * session request that waits for it (see {@link track}) then shows how it ended.
   */
  follow(refresh: Promise<unknown>): void {
    this.refreshing++;
    this.set({ kind: 'refreshing' });
    const done = (): void => { this.refreshing--; };
    refresh.then(done, done);
  }

  /** Runs a session request. A failure other than "sign in" is shown until the next success. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    let outcome: Activity = { kind: 'idle' };
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof SignInRequiredError)) outcome = { kind: 'error', message: (error as Error).message };
      throw error;
    } finally {
      this.set(outcome);
    }
  }

  /** A sign-in or sign-out replaced the session: any earlier failure is moot. */
  reset(): void {
    this.set({ kind: 'idle' });
  }

  private set(activity: Activity): void {
    if (activity.kind === 'idle' && this.refreshing > 0) activity = { kind: 'refreshing' };
    if (JSON.stringify(activity) === JSON.stringify(this.now)) return;
    this.now = activity;
    this.emitter.fire(activity);
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
