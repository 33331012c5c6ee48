import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { RequestNotSentError, RequestUnansweredError, singleUseFetch } from '../../src/core/oauth/single-use-fetch';

/** A loopback server; `handle` answers (or not). Counts connections. */
async function server(t: { after(fn: () => unknown): void }, handle: http.RequestListener): Promise<{ url: string; connections: () => number }> {
  const s = http.createServer(handle);
  let connections = 0;
  s.on('connection', () => { connections++; });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { s.closeAllConnections(); s.close(() => resolve()); }));
  return { url: `http://127.0.0.1:${(s.address() as net.AddressInfo).port}`, connections: () => connections };
}

const form = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token' }) };

test('every request goes out on a new connection, with its body, and the answer comes back whole', async (t) => {
  const bodies: string[] = [];
  const { url, connections } = await server(t, (req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => { bodies.push(body); res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' }).end('{"error":"slow_down"}'); });
  });
  const fetch = singleUseFetch({ timeoutMs: 5000, lateAnswerMs: 0 });
  for (let i = 0; i < 3; i++) {
    const response = await fetch(`${url}/token`, form);
    assert.equal(response.status, 429);
    assert.equal(response.headers.get('retry-after'), '1');
    assert.deepEqual(await response.json(), { error: 'slow_down' });
  }
  assert.equal(connections(), 3, 'three requests, three connections');
  assert.deepEqual(bodies, ['grant_type=refresh_token', 'grant_type=refresh_token', 'grant_type=refresh_token']);
});

test('a refused connection sent nothing: RequestNotSentError, with the errno code in its cause', async () => {
  // A port that was free a moment ago: nothing listens on it.
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const error = await singleUseFetch({ timeoutMs: 5000, lateAnswerMs: 0 })(`http://127.0.0.1:${port}/token`, form).catch((e: unknown) => e);
  assert.ok(error instanceof RequestNotSentError, String(error));
  assert.equal((error.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
});

test('a reset after the request was written may have reached the server: RequestUnansweredError, not "not sent"', async (t) => {
  const { url } = await server(t, (req) => { req.on('data', () => undefined); req.on('end', () => req.socket.resetAndDestroy()); });
  const error = await singleUseFetch({ timeoutMs: 5000, lateAnswerMs: 0 })(`${url}/token`, form).catch((e: unknown) => e);
  assert.ok(error instanceof RequestUnansweredError, String(error));
  assert.equal(error.timedOut, false);
  assert.equal(error.requestNotSent, false);
});

test('a written request whose answer comes after the timeout gets the late-answer wait, and its answer is used', async (t) => {
  const { url } = await server(t, (req, res) => { req.resume(); setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"late"}'), 700); });
  const log: string[] = [];
  const response = await singleUseFetch({ timeoutMs: 300, lateAnswerMs: 2000, log: (m) => log.push(m) })(`${url}/token`, form);
  assert.deepEqual(await response.json(), { access_token: 'late' });
  assert.match(log.join('\n'), /no answer after 0s to a request it may have acted on; waiting 2s more for it/);
});

test('a written request with no answer at all ends after the timeout and the late-answer wait: a timed-out RequestUnansweredError', async (t) => {
  const { url } = await server(t, (req) => { req.resume(); });
  const error = await singleUseFetch({ timeoutMs: 200, lateAnswerMs: 300 })(`${url}/token`, form).catch((e: unknown) => e);
  assert.ok(error instanceof RequestUnansweredError, String(error));
  assert.equal(error.timedOut, true);
  assert.equal(error.name, 'TimeoutError');
  assert.ok(error.waitedMs >= 500, `waited ${error.waitedMs} ms`);
});
