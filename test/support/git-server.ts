import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

/**
 * A real git smart-HTTP server for tests: `git http-backend` (CGI) behind a small Node
 * server on 127.0.0.1 that demands HTTP Basic auth and accepts the password only while
 * `isValid(password)` says so (the test asks the issuer whether the token is live).
 */
export interface GitServer {
  url: string;
  /** Requests that carried credentials, and how many were refused. */
  stats: { authenticated: number; refused: number };
  close(): Promise<void>;
}

export async function startGitServer(root: string, isValid: (password: string) => Promise<boolean>): Promise<GitServer> {
  const repo = path.join(root, 'repo.git');
  const work = path.join(root, 'seed');
  fs.mkdirSync(work, { recursive: true });
  const git = (args: string[], cwd: string) => execFileSync('git', args, { cwd, stdio: 'pipe', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } });
  git(['init', '-q', '-b', 'main'], work);
  fs.writeFileSync(path.join(work, 'README'), 'hello from the test git server\n');
  git(['add', '.'], work);
  git(['-c', 'user.email=t@example.test', '-c', 'user.name=test', 'commit', '-q', '-m', 'seed'], work);
  git(['clone', '-q', '--bare', work, repo], root);
  const stats = { authenticated: 0, refused: 0 };
  const server = http.createServer(async (req, res) => {
    const password = basicPassword(req.headers.authorization);
    if (password === undefined || !(await isValid(password))) {
      if (password !== undefined) stats.refused++;
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="credshare-test"' }).end();
      return;
    }
    stats.authenticated++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH, GIT_PROJECT_ROOT: root, GIT_HTTP_EXPORT_ALL: '1', REMOTE_USER: 'tester',
        REQUEST_METHOD: req.method, PATH_INFO: decodeURIComponent(url.pathname), QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '', GIT_CONFIG_NOSYSTEM: '1',
      },
    });
    req.pipe(cgi.stdin);
    const chunks: Buffer[] = [];
    cgi.stdout.on('data', (d: Buffer) => chunks.push(d));
    cgi.on('close', () => {
      const output = Buffer.concat(chunks);
      const split = output.indexOf('\r\n\r\n');
      const head = output.subarray(0, split).toString('latin1');
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of head.split('\r\n')) {
        const [name, ...value] = line.split(':');
        if (name!.toLowerCase() === 'status') status = parseInt(value.join(':'), 10);
        else headers[name!] = value.join(':').trim();
      }
      res.writeHead(status, headers).end(output.subarray(split + 4));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/repo.git`,
    stats,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function basicPassword(header: string | undefined): string | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}
