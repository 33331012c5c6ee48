import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryAfterMs } from '../../src/core/oauth/refresh-grant';

test('Retry-After is read as delay-seconds or as an HTTP date, and ignored when unreadable', () => {
  assert.equal(retryAfterMs(null), undefined);
  assert.equal(retryAfterMs('3'), 3000);
  assert.equal(retryAfterMs(' 0 '), 0);
  const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
  const ms = retryAfterMs(inTenSeconds)!;
  assert.ok(ms > 8000 && ms <= 10_000, `${ms}`);
  assert.equal(retryAfterMs(new Date(Date.now() - 60_000).toUTCString()), 0, 'a date in the past means now');
  assert.equal(retryAfterMs('soon'), undefined);
  assert.equal(retryAfterMs('-5'), undefined);
});
