/**
 * A timeout measured in *awake* time: time this process could run, not time it spent
 * stopped (SIGSTOP, Ctrl-Z, a laptop asleep) or starved of CPU by a storm of others.
 *
 * Why not `AbortSignal.timeout`: when a stopped process resumes, Linux ends its pending
 * `epoll_wait` with EINTR, and libuv, finding the poll's timeout passed, returns without
 * polling and runs the expired timers first. A request timer therefore fires before the
 * answer that arrived during the stop is read from the socket, and the request is aborted
 * with its answer waiting in the kernel. For a refresh that answer is the only copy of the
 * new refresh token (the old one is spent): throwing it away loses the session.
 *
 * Here the time is counted in ticks of at most {@link TICK_MS}. A tick that comes late by
 * more than {@link STALL_MS} means the process was not running: it counts for its own
 * length plus that allowance, never for the stall. A late tick never ends the wait either:
 * the wait then ends at a later, punctual tick, so the event loop polls its sockets at
 * least once after a stall before anything is judged silent. The abort itself runs from
 * `setImmediate`, after the poll phase of the loop turn in which the last tick fired.
 */
export interface AwakeTimeout {
  /** Aborts, with a DOMException named `TimeoutError`, once `ms` of awake time have passed. */
  readonly signal: AbortSignal;
  /** Awake milliseconds counted so far. */
  readonly awakeMs: number;
  /** Stops the ticks; the signal never aborts after this. */
  dispose(): void;
}

/** Longest tick: a stall adds at most this plus STALL_MS to the count. */
export const TICK_MS = 500;
/** Lateness beyond which a tick is taken for a stall rather than a busy event loop. */
export const STALL_MS = 500;

/**
 * Starts counting now. `now` is injectable for unit tests; it must be monotonic. The ticks
 * are unref'd: they never keep a process alive (the request's socket does that), and they
 * stop at the deadline, so an undisposed timeout costs at most `ms / TICK_MS` wake-ups.
 */
export function awakeTimeout(ms: number, now: () => number = () => performance.now()): AwakeTimeout {
  const controller = new AbortController();
  let awake = 0;
  let last = now();
  let step = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  const schedule = (): void => {
    step = Math.max(1, Math.min(TICK_MS, ms - awake));
    timer = setTimeout(tick, step);
    timer.unref?.();
  };
  const tick = (): void => {
    timer = undefined;
    if (disposed) return;
    const at = now();
    const elapsed = at - last;
    last = at;
    const stalled = elapsed > step + STALL_MS;
    awake += stalled ? step + STALL_MS : elapsed;
    if (awake < ms) return schedule();
    if (stalled) {
      // Judged only at a punctual tick: the loop polls its sockets in between.
      awake = Math.max(0, ms - 1);
      return schedule();
    }
    setImmediate(() => {
      if (!disposed) controller.abort(new DOMException(`No answer within ${Math.round(ms)} ms of awake time.`, 'TimeoutError'));
    });
  };
  schedule();

  return {
    signal: controller.signal,
    get awakeMs() { return awake; },
    dispose() {
      disposed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
