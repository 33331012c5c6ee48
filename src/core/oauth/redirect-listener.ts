import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignInError } from './errors';

/** One request that reached the redirect path; answer it with `respond`. */
export interface RedirectRequest {
  url: URL;
  respond(outcome: 'success' | 'failure', message: string): void;
}

/** A loopback HTTP server waiting for the authorization redirect (RFC 8252 section 7.3). */
export interface RedirectListener {
  /** `http://127.0.0.1:<random port>/callback`: IP literal, not "localhost" (RFC 8252 section 8.3). */
  readonly redirectUri: string;
  /** Resolves with the first request to the redirect path; rejects after `timeoutMs` or on abort. */
  next(timeoutMs: number, signal?: AbortSignal): Promise<RedirectRequest>;
  close(): Promise<void>;
}

const PATH = '/callback';

/**
 * Listens on 127.0.0.1 with a port the OS picks, or on `fixedPort` (a profile's
 * `redirectPort`, for issuers that compare redirect URIs exactly). Other paths (a
 * browser's favicon) get 404.
 */
export async function listenForRedirect(fixedPort?: number): Promise<RedirectListener> {
  const waiting: ((request: RedirectRequest) => void)[] = [];
  const queued: RedirectRequest[] = [];
  let origin = 'http://127.0.0.1';
  const server = createServer((req, res) => {
    // Our own origin, not the Host header: a forged one must not make the URL throw.
    const url = URL.canParse(req.url ?? '', origin) ? new URL(req.url ?? '/', origin) : new URL('/', origin);
    if (req.method !== 'GET' || url.pathname !== PATH) {
      res.writeHead(404, { 'content-type': 'text/plain', connection: 'close' }).end('Not found\n');
      return;
    }
    const request: RedirectRequest = { url, respond: (outcome, message) => sendPage(res, outcome, message) };
    const waiter = waiting.shift();
    if (waiter) waiter(request);
    else queued.push(request);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(fixedPort ? portProblem(fixedPort, error) : error));
    server.listen(fixedPort ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    redirectUri: `http://127.0.0.1:${port}${PATH}`,
    next(timeoutMs, signal) {
      const ready = queued.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const done = (): void => { clearTimeout(timer); signal?.removeEventListener('abort', onAbort); };
        const waiter = (request: RedirectRequest): void => { done(); resolve(request); };
        const timer = setTimeout(() => { done(); remove(waiting, waiter); reject(Object.assign(new Error('timed out'), { name: 'TimeoutError' })); }, timeoutMs);
        const onAbort = (): void => { done(); remove(waiting, waiter); reject(signal!.reason); };
        if (signal?.aborted) { onAbort(); return; }
        signal?.addEventListener('abort', onAbort, { once: true });
        waiting.push(waiter);
      });
    },
    close: () => new Promise<void>((resolve) => {
      for (const request of queued.splice(0)) request.respond('failure', 'This sign-in is over. Return to your terminal.');
      server.close(() => resolve());
      server.closeIdleConnections();
      // A browser may hold a keep-alive socket open; give pages in flight a moment, then cut.
      setTimeout(() => server.closeAllConnections(), 1000).unref();
    }),
  };
}

/** Why the fixed redirect port cannot be listened on, and what to do. */
function portProblem(port: number, error: Error): SignInError {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'EADDRINUSE' ? 'is in use by another program (another `credshare login` still waiting?)'
    : code === 'EACCES' ? 'may not be used by this user' : `cannot be listened on (${code ?? error.message})`;
  return new SignInError(`Cannot receive the sign-in on http://127.0.0.1:${port}/callback: port ${port} ${why}. `
    + 'The profile\'s redirectPort must be exactly the port registered at the issuer: free that port and try again, '
    + 'or use the device flow (`credshare login --device`). Nothing was stored.', { cause: error });
}

function remove<T>(list: T[], item: T): void {
  const index = list.indexOf(item);
  if (index >= 0) list.splice(index, 1);
}

function sendPage(res: ServerResponse, outcome: 'success' | 'failure', message: string): void {
  if (res.headersSent) return;
  const title = outcome === 'success' ? 'Signed in to credshare' : 'credshare sign-in failed';
  const body = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em}h1{font-size:1.4em}</style></head>
<body data-outcome="${outcome}"><h1>${escape(title)}</h1><p>${escape(message)}</p></body></html>
`;
  res.writeHead(outcome === 'success' ? 200 : 400, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    connection: 'close',
  }).end(body);
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The first request to the redirect path that carries this sign-in's `state`. Any other
 * (a stale browser tab, or a request forged by a local process or a page that guessed the
 * port) gets an error page and is otherwise ignored: it cannot be this sign-in's answer,
 * and letting it end the wait would let anyone on the machine abort every sign-in.
 */
export async function nextWithState(listener: RedirectListener, state: string, timeoutMs: number, signal?: AbortSignal): Promise<RedirectRequest> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const request = await listener.next(Math.max(0, deadline - Date.now()), signal);
    if (request.url.searchParams.getAll('state').length === 1 && request.url.searchParams.get('state') === state) return request;
    request.respond('failure', 'This is not the answer to the sign-in under way (its state does not match), so credshare ignored it. '
      + 'If you are signing in, finish in the browser tab credshare opened.');
  }
}
