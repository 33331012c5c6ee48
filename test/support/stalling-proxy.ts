import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One refresh answer the proxy held back while the client was stopped. */
export interface StalledAnswer {
  /** The credshare process that was stopped. */
  pid: number;
  status: number;
  /** The tokens the issuer answered with (tests only: secrets). */
  accessToken?: string;
  refreshToken?: string;
}

/**
 * A plain HTTP proxy on 127.0.0.1 in front of a token endpoint, for issue 15.9: a laptop
 * that falls asleep just as the issuer's answer to a refresh reaches it. For every refresh
 * request it forwards the request, takes the issuer's answer, then stops the requesting
 * credshare process (SIGSTOP), writes the answer into the socket while the process is
 * stopped, and resumes it (SIGCONT) `stopMs` later. The answer is then waiting, unread, in
 * the stopped process's socket the whole time.
 *
 * The proxy cannot learn the pid from the connection, so each test's process registers
 * itself: `pidFor()` is asked at each refresh request (a proxy per process in parallel runs).
 * Other requests (and refresh requests when `pidFor` returns undefined) pass unchanged.
 */
export interface StallingProxy {
  url: string;
  answers: StalledAnswer[];
  close(): Promise<void>;
}

export async function startStallingProxy(upstream: URL, options: { stopMs: number; pidFor: () => number | undefined }): Promise<StallingProxy> {
  const answers: StalledAnswer[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        const answerChunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => answerChunks.push(c));
        answer.on('end', () => {
          const answerBody = Buffer.concat(answerChunks);
          const isRefresh = req.method === 'POST' && new URLSearchParams(body.toString('utf8')).get('grant_type') === 'refresh_token';
          const pid = isRefresh ? options.pidFor() : undefined;
          if (pid === undefined) {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(answerBody);
            return;
          }
          const tokens = parseTokens(answerBody);
          // Stopped first, then the answer written: it waits in the stopped process's socket.
          try {
            process.kill(pid, 'SIGSTOP');
          } catch {
            res.writeHead(502).end('proxy: the process to stop is gone');
            return;
          }
          answers.push({ pid, status: answer.statusCode ?? 0, ...tokens });
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(answerBody, () => {
            setTimeout(() => {
              try {
                process.kill(pid, 'SIGCONT');
              } catch {
                // Already gone.
              }
            }, options.stopMs);
          });
        });
      });
      forward.on('error', (error) => { res.writeHead(502); res.end(`proxy: ${error.message}`); });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answers,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function parseTokens(body: Buffer): { accessToken?: string; refreshToken?: string } {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { access_token?: unknown; refresh_token?: unknown };
    return {
      accessToken: typeof parsed.access_token === 'string' ? parsed.access_token : undefined,
      refreshToken: typeof parsed.refresh_token === 'string' ? parsed.refresh_token : undefined,
    };
  } catch {
    return {};
  }
}
