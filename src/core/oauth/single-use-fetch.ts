import * as http from 'node:http';
import * as https from 'node:https';
import { awakeTimeout } from '../awake-timeout';
import type { FetchLike } from './http';

/**
 * The fetch for a request that must not reach the issuer twice: a refresh_token grant,
 * whose refresh token is single-use. Built on node:http rather than Node's fetch because
 * fetch hides the two facts a retry decision needs, and pools connections:
 *
 * - **A new connection for every request**, closed after it (`agent: false`,
 *   `Connection: close`). A pooled keep-alive connection may have been closed by the
 *   server in the meantime (an idle timeout of about a second, and `Retry-After: 1` after a
 *   429, meet exactly then): the request is reset on the dead connection, and after a reset
 *   nobody can tell whether the server read it (RFC 9110 §9.2.2 allows no automatic retry
 *   of a non-idempotent request then). A new connection cannot have been closed in between.
 * - **Whether the request can have left this machine.** Until the connection is
 *   established (TCP, and TLS for https), not one byte of the request was written: an error
 *   then is a {@link RequestNotSentError} and a retry is safe. After that, the server may
 *   have redeemed the token, and the error says so ({@link RequestUnansweredError}).
 * - **Timeouts in awake time** (awake-timeout.ts), so a process stopped or asleep while the
 *   answer arrived reads it on waking instead of aborting the request with the answer in
 *   the socket.
 * - **A late answer is waited for.** Once the request is written, its answer holds the only
 *   copy of the new refresh token: after `timeoutMs` without it, the request is given
 *   `lateAnswerMs` more (awake time) before it is abandoned.
 *
 * The answer is read whole (at most {@link MAX_ANSWER_BYTES}) before the Response is made.
 */
export function singleUseFetch(options: SingleUseFetchOptions): FetchLike {
  return (url, init) => send(new URL(url), init, options);
}

export interface SingleUseFetchOptions {
  /** Awake time the whole request may take: connecting, sending and the answer. */
  timeoutMs: number;
  /** Once the request was written: how much more awake time its answer gets after `timeoutMs`. */
  lateAnswerMs: number;
  log?: (message: string) => void;
}

/** Not one byte of the request was written: the server cannot have acted on it. */
export class RequestNotSentError extends Error {
  readonly requestNotSent = true;
  constructor(message: string, options: { cause?: unknown }) {
    super(message, options);
    this.name = 'RequestNotSentError';
  }
}

/** The request was (or may have been) written, and no complete answer came. */
export class RequestUnansweredError extends Error {
  readonly requestNotSent = false;
  constructor(message: string, readonly timedOut: boolean, readonly waitedMs: number, options: { cause?: unknown } = {}) {
    super(message, options);
    // `TimeoutError` like AbortSignal.timeout's, so every "did not answer" path treats it alike.
    this.name = timedOut ? 'TimeoutError' : 'RequestUnansweredError';
  }
}

/** A token endpoint's answer is a few KiB; anything far larger is not one. */
const MAX_ANSWER_BYTES = 1024 * 1024;

function send(url: URL, init: RequestInit, options: SingleUseFetchOptions): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const body = init.body === undefined || init.body === null ? undefined : Buffer.from(String(init.body));
    const headers: Record<string, string> = { ...headerRecord(init.headers), connection: 'close' };
    if (body) headers['content-length'] = String(body.length);
    const started = performance.now();
    let connected = false;
    let settled = false;
    let timeout = awakeTimeout(options.timeoutMs);
    let lateAnswerGiven = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      timeout.dispose();
      init.signal?.removeEventListener('abort', onCancel);
      outcome();
    };
    const transport = url.protocol === 'https:' ? https : http;
    const request = transport.request(url, { method: init.method ?? 'GET', headers, agent: false });

    const onTimeout = (): void => {
      if (settled) return;
      if (connected && !lateAnswerGiven && options.lateAnswerMs > 0) {
        // Written and unanswered: the issuer may have redeemed the token already, and its
        // answer is then the only copy of the new one. Waiting costs nothing but time.
        lateAnswerGiven = true;
        options.log?.(`${url.origin}${url.pathname}: no answer after ${Math.round(options.timeoutMs / 1000)}s to a request it may have acted on; `
          + `waiting ${Math.round(options.lateAnswerMs / 1000)}s more for it`);
        timeout = awakeTimeout(options.lateAnswerMs);
        timeout.signal.addEventListener('abort', onTimeout, { once: true });
        return;
      }
      const waited = options.timeoutMs + (lateAnswerGiven ? options.lateAnswerMs : 0);
      const error = connected
        ? new RequestUnansweredError(`no answer within ${Math.round(waited / 1000)}s of awake time`, true, performance.now() - started)
        : new RequestNotSentError(`could not connect within ${Math.round(options.timeoutMs / 1000)}s of awake time`, { cause: new DOMException('timeout', 'TimeoutError') });
      request.destroy(error);
    };
    timeout.signal.addEventListener('abort', onTimeout, { once: true });
    const onCancel = (): void => { request.destroy(init.signal?.reason instanceof Error ? init.signal.reason : new DOMException('The operation was aborted', 'AbortError')); };
    if (init.signal?.aborted) onCancel();
    init.signal?.addEventListener('abort', onCancel, { once: true });

    request.on('socket', (socket) => {
      // Bytes of the request go out only once the connection is up ('secureConnect' for TLS).
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => { connected = true; });
    });
    request.on('error', (error) => finish(() => reject(classify(error, connected, performance.now() - started))));
    request.on('response', (answer) => {
      const chunks: Buffer[] = [];
      let size = 0;
      answer.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) request.destroy(new RequestUnansweredError(`answer larger than ${MAX_ANSWER_BYTES} bytes`, false, performance.now() - started));
        else chunks.push(chunk);
      });
      answer.on('error', (error) => finish(() => reject(classify(error, true, performance.now() - started))));
      answer.on('end', () => finish(() => resolve(toResponse(answer, Buffer.concat(chunks)))));
    });
    request.end(body);
  });
}

function classify(error: Error, connected: boolean, waitedMs: number): Error {
  if (error instanceof RequestNotSentError || error instanceof RequestUnansweredError) return error;
  if (error.name === 'AbortError') return error; // cancelled by the caller
  if (!connected) return new RequestNotSentError(error.message, { cause: error });
  return new RequestUnansweredError(error.message, false, waitedMs, { cause: error });
}

function headerRecord(headers: RequestInit['headers']): Record<string, string> {
  if (!headers) return {};
  return Object.fromEntries(new Headers(headers).entries());
}

/** A fetch Response of a complete answer (no body for the statuses that cannot have one). */
function toResponse(answer: http.IncomingMessage, body: Buffer): Response {
  const headers = new Headers();
  const raw = answer.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  const status = answer.statusCode ?? 502;
  const noBody = status === 204 || status === 205 || status === 304 || status < 200;
  return new Response(noBody ? null : body, { status: Math.max(200, Math.min(status, 599)), statusText: answer.statusMessage ?? '', headers });
}
