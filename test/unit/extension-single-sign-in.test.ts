// One interactive sign-in at a time per profile, shared by every caller who arrives meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SingleSignIn } from '../../src/extension/single-sign-in';

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

test('two callers at once (two extensions with createIfNone at start-up) share one sign-in', async () => {
  const single = new SingleSignIn<string>();
  const gate = deferred<string>();
  let started = 0;
  const start = (): Promise<string> => { started++; return gate.promise; };
  const a = single.run('default', ['openid'], start);
  const b = single.run('default', ['openid'], start);
  gate.resolve('session');
  assert.deepEqual(await Promise.all([a, b]), ['session', 'session']);
  assert.equal(started, 1);
  assert.equal(single.running('default'), false);
});

test('a failed or cancelled sign-in is not handed to the next caller', async () => {
  const single = new SingleSignIn<string>();
  await assert.rejects(single.run('default', ['openid'], async () => { throw new Error('cancelled'); }), /cancelled/);
  assert.equal(await single.run('default', ['openid'], async () => 'second'), 'second');
});

test('a caller needing a scope the running sign-in lacks waits for it, then signs in itself', async () => {
  const single = new SingleSignIn<string>();
  const first = deferred<string>();
  const order: string[] = [];
  const a = single.run('default', ['openid', 'offline_access'], () => { order.push('a'); return first.promise; });
  const b = single.run('default', ['openid', 'api:read'], async () => { order.push('b'); return 'wider'; });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, ['a'], 'b did not start while a ran');
  first.resolve('narrow');
  assert.equal(await a, 'narrow');
  assert.equal(await b, 'wider');
  assert.deepEqual(order, ['a', 'b']);
});

test('profiles sign in independently', async () => {
  const single = new SingleSignIn<string>();
  let started = 0;
  const start = async (): Promise<string> => { started++; return 'x'; };
  await Promise.all([single.run('work', ['openid'], start), single.run('home', ['openid'], start)]);
  assert.equal(started, 2);
});

test('a start that throws synchronously drops its entry', async () => {
  const single = new SingleSignIn<string>();
  await assert.rejects(single.run('default', [], () => { throw new Error('sync'); }), /sync/);
  assert.equal(single.running('default'), false);
});
