import * as oauth from 'oauth4webapi';
import { awakeTimeout } from '../awake-timeout';
import { isLoopback } from './loopback';

/** A fetch as oauth4webapi calls it; injected by tests and by hosts with their own networking. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** How a flow talks to the issuer. */
export interface OAuthIo {
  /** How long one request may take. */
  timeoutMs: number;
  /** Cancels the whole flow (Ctrl-C, a closed window). */
  signal?: AbortSignal;
  fetch?: FetchLike;
}

/** True for the only plain-HTTP URLs credshare talks to: loopback. */
export function isInsecureAllowed(url: URL): boolean {
  return url.protocol === 'http:' && isLoopback(url);
}

/**
 * Options for one oauth4webapi request: timeout + cancel, HTTP only on loopback, the
 * injected fetch. The timeout counts awake time only (awake-timeout.ts): a process stopped
 * or asleep while the answer arrived reads it on waking instead of throwing it away.
 */
export function httpOptions(issuer: URL, io: OAuthIo): {
  signal: AbortSignal;
  [oauth.allowInsecureRequests]: boolean;
  [oauth.customFetch]?: FetchLike;
} {
  const timeout = awakeTimeout(io.timeoutMs).signal;
  return {
    signal: io.signal ? AbortSignal.any([timeout, io.signal]) : timeout,
    [oauth.allowInsecureRequests]: isInsecureAllowed(issuer),
    [oauth.customFetch]: heldOpen(io.fetch ?? ((url, init) => fetch(url, init))),
  };
}

/**
 * Keeps the process alive while a request is pending. Its socket normally does, and the
 * awake timeout's ticks are unref'd on that account; but once (CI, a connection reset on
 * the issuer's port during discovery) a request ended with neither an answer nor an error
 * and no handle left: the event loop ran dry, the timeout's ticks with it, and the CLI
 * exited 0 with nothing on stdout, which a tool reads as an answer. A ref'd handle for the
 * request's lifetime lets the timeout fire instead, with the usual "did not answer".
 */
export function heldOpen(fetcher: FetchLike): FetchLike {
  return async (url, init) => {
    const hold = setInterval(() => {}, 1 << 30);
    try {
      return await fetcher(url, init);
    } finally {
      clearInterval(hold);
    }
  };
}
