import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { parseAuthorization, type SeenRequest } from './seen-requests';

/**
 * A small cargo sparse registry on 127.0.0.1 (cargo's registry-index reference):
 * `config.json` with `"auth-required": true`, the index file of one crate and its .crate
 * download. Every request needs `Authorization: Bearer <token>` with a token `isValid`
 * accepts (the test asks the issuer); anything else gets 401 and the `Cargo login_url`
 * challenge, which is what makes cargo retry `config.json` with a token.
 */
export interface CargoRegistry {
  /** For `[registries.NAME] index = ...`: `sparse+http://127.0.0.1:PORT/index/`. */
  index: string;
  crate: { name: string; version: string };
  seen: SeenRequest[];
  close(): Promise<void>;
}

export async function startCargoRegistry(root: string, isValid: (token: string) => Promise<boolean>): Promise<CargoRegistry> {
  const crate = { name: 'credshare-hello', version: '0.1.0' };
  const crateFile = packCrate(root, crate.name, crate.version);
  const cksum = createHash('sha256').update(crateFile).digest('hex');
  const indexLine = JSON.stringify({ name: crate.name, vers: crate.version, deps: [], cksum, features: {}, yanked: false }) + '\n';
  const seen: SeenRequest[] = [];
  let base = '';
  const server = http.createServer(async (req, res) => {
    const { scheme, token } = parseAuthorization(req.headers.authorization);
    const accepted = scheme === 'Bearer' && token !== undefined && (await isValid(token));
    seen.push({ method: req.method ?? '', path: req.url ?? '', scheme, token, accepted });
    if (!accepted) {
      res.writeHead(401, { 'WWW-Authenticate': `Cargo login_url="${base}/me"`, 'content-type': 'text/plain' }).end('a valid Bearer token is required\n');
      return;
    }
    const files: Record<string, () => [string, string | Buffer]> = {
      '/index/config.json': () => ['application/json', JSON.stringify({ dl: `${base}/api/v1/crates`, api: base, 'auth-required': true })],
      [`/index/${indexPath(crate.name)}`]: () => ['text/plain', indexLine],
      [`/api/v1/crates/${crate.name}/${crate.version}/download`]: () => ['application/gzip', crateFile],
    };
    const file = files[new URL(req.url ?? '/', base).pathname];
    if (!file) { res.writeHead(404).end(); return; }
    const [type, body] = file();
    res.writeHead(200, { 'content-type': type }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    index: `sparse+${base}/index/`,
    crate,
    seen,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** The sparse index's path of a crate name (cargo's registry-index reference: 1/, 2/, 3/a/, ab/cd/). */
function indexPath(name: string): string {
  const lower = name.toLowerCase();
  if (lower.length <= 2) return `${lower.length}/${lower}`;
  if (lower.length === 3) return `3/${lower[0]}/${lower}`;
  return `${lower.slice(0, 2)}/${lower.slice(2, 4)}/${lower}`;
}

/** A .crate is a gzipped tar of `NAME-VERSION/` with the manifest and the sources. */
function packCrate(root: string, name: string, version: string): Buffer {
  const dir = path.join(root, 'crate-src', `${name}-${version}`);
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Cargo.toml'), `[package]\nname = "${name}"\nversion = "${version}"\nedition = "2021"\n`);
  fs.writeFileSync(path.join(dir, 'src', 'lib.rs'), 'pub fn hello() -> &\'static str { "hello from the test registry" }\n');
  const out = path.join(root, `${name}-${version}.crate`);
  execFileSync('tar', ['-czf', out, '-C', path.dirname(dir), path.basename(dir)]);
  return fs.readFileSync(out);
}
