import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request that went through the proxy to the token endpoint. */
export interface TokenRequest {
  grantType: string;
  status: number;
  /** The answer's body, kept so a test can report what the issuer said (tests only: it holds tokens). */
  body: string;
}

/**
 * A plain HTTP proxy on 127.0.0.1 in front of an issuer we did not write, so a test can count
 * what reaches it. Every request is forwarded unchanged (method, path, headers, body); the ones
 * whose path ends in `tokenPathSuffix` are recorded with their grant_type and the answer's status.
 * The issuer must be configured with the proxy's URL as its public URL, so the discovery
 * document, redirects and the `iss` claim all name the proxy.
 */
export interface CountingProxy {
  url: string;
  port: number;
  tokenRequests: TokenRequest[];
  /** Requests to paths ending in `path`, by method and path (e.g. revocation). */
  requestsTo(path: string): { method: string; status: number }[];
  count(grantType: string): number;
  close(): Promise<void>;
}

export async function startCountingProxy(upstream: () => URL, tokenPathSuffix = '/token'): Promise<CountingProxy> {
  const tokenRequests: TokenRequest[] = [];
  const all: { method: string; path: string; status: number }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = upstream();
      const forward = http.request({
        host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers,
      }, (answer) => {
        const answerChunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => answerChunks.push(c));
        answer.on('end', () => {
          const answerBody = Buffer.concat(answerChunks);
          const path = new URL(req.url ?? '/', 'http://proxy').pathname;
          all.push({ method: req.method ?? 'GET', path, status: answer.statusCode ?? 0 });
          if (req.method === 'POST' && path.endsWith(tokenPathSuffix)) {
            const grantType = new URLSearchParams(body.toString('utf8')).get('grant_type') ?? '';
            tokenRequests.push({ grantType, status: answer.statusCode ?? 0, body: answerBody.toString('utf8') });
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(answerBody);
        });
      });
      forward.on('error', (error) => { res.writeHead(502); res.end(`proxy: ${error.message}`); });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    tokenRequests,
    requestsTo: (suffix) => all.filter((r) => r.path.endsWith(suffix)).map(({ method, status }) => ({ method, status })),
    count: (grantType) => tokenRequests.filter((r) => r.grantType === grantType).length,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
