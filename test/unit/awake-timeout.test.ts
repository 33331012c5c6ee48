import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { awakeTimeout } from '../../src/core/awake-timeout';

const aborted = (signal: AbortSignal): Promise<unknown> => new Promise((resolve) => {
  if (signal.aborted) resolve(signal.reason);
  else signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
});

// awakeTimeout's timer is unref'd (a timeout must not keep a CLI process alive): this keeps
// the test process's event loop alive while a test awaits the abort.
const keepAlive = setInterval(() => {}, 1000);
after(() => clearInterval(keepAlive));

/** Blocks this thread, as a stop (SIGSTOP, sleep) or a long synchronous stall would. */
function stall(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

test('aborts with a TimeoutError once the time has passed while the process runs', async () => {
  const timeout = awakeTimeout(300);
  const reason = await aborted(timeout.signal);
  assert.equal((reason as DOMException).name, 'TimeoutError');
  assert.ok(timeout.awakeMs >= 300);
});

test('a stall does not count: right after a 4 s stall a 3 s timeout has not fired, and it fires only after more awake time', async () => {
  const timeout = awakeTimeout(3000);
  await new Promise((r) => setTimeout(r, 50));
  stall(4000);
  // The loop's next turn: the late tick runs (counting one tick and the allowance, not the stall), then I/O.
  await new Promise((r) => setTimeout(r, 0));
  await new Promise((r) => setImmediate(r));
  assert.equal(timeout.signal.aborted, false, 'the stall was not counted as waiting');
  assert.ok(timeout.awakeMs < 3000, `counted ${timeout.awakeMs} ms`);
  await aborted(timeout.signal);
});

test('a stall that ends past the deadline gives the event loop a turn before the abort', async () => {
  const timeout = awakeTimeout(400);
  let ioTurn = false;
  await new Promise((r) => setTimeout(r, 300));
  stall(1000);
  // Work queued for the loop (as a socket's data would be) runs before the signal aborts.
  setImmediate(() => { ioTurn = true; });
  await aborted(timeout.signal);
  assert.equal(ioTurn, true);
});

test('dispose stops it for good', async () => {
  const timeout = awakeTimeout(100);
  timeout.dispose();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(timeout.signal.aborted, false);
});
