import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { freePort, parseAuthorization, type SeenRequest } from './seen-requests';
import { selfSignedCertificate } from './self-signed';

/**
 * Debian's `docker-registry` (distribution 2.8) on 127.0.0.1 with a scratch storage
 * directory, behind a small Node HTTPS proxy that lets a request through only when its
 * credentials carry a token `isValid` accepts (the test asks the issuer). Otherwise the
 * proxy answers 401 with a Basic challenge, as registries that take OAuth access tokens
 * as passwords do (the docker CLI then sends `Basic base64(Username:Secret)` with what
 * the credential helper answered).
 */
export interface DockerRegistry {
  /** `127.0.0.1:PORT` of the proxy: the registry name docker sees. */
  host: string;
  /** The image seeded at start, `host/credshare/hello:1`. */
  image: string;
  /** Digest of the seeded manifest. */
  manifestDigest: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

const MANIFEST_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';

export async function startDockerRegistry(root: string, isValid: (token: string) => Promise<boolean>): Promise<DockerRegistry> {
  const backendPort = await freePort();
  const storage = path.join(root, 'storage');
  fs.mkdirSync(storage, { recursive: true });
  const config = path.join(root, 'config.yml');
  fs.writeFileSync(config, [
    'version: 0.1',
    'log:', '  level: error', '  accesslog:', '    disabled: true',
    'storage:', `  filesystem:`, `    rootdirectory: ${storage}`,
    'http:', `  addr: 127.0.0.1:${backendPort}`,
    '',
  ].join('\n'));
  const registry = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let registryLog = '';
  registry.stderr!.on('data', (d) => { registryLog += d; });
  const backend = `http://127.0.0.1:${backendPort}`;
  try {
    await waitForRegistry(backend, registry, () => registryLog);
    const seeded = await seedImage(backend, 'credshare/hello', '1');
    const seen: SeenRequest[] = [];
    // HTTPS, as registries are: `docker manifest inspect --insecure` accepts the
    // self-signed certificate (it skips verification for an insecure registry).
    const proxy = https.createServer(selfSignedCertificate(root), async (req, res) => {
      const { scheme, token, username } = parseAuthorization(req.headers.authorization);
      const accepted = scheme === 'Basic' && token !== undefined && (await isValid(token));
      seen.push({ method: req.method ?? '', path: req.url ?? '', scheme, token, username, accepted });
      if (!accepted) {
        res.writeHead(401, {
          'WWW-Authenticate': 'Basic realm="credshare-test-registry"',
          'Docker-Distribution-API-Version': 'registry/2.0',
          'Content-Type': 'application/json',
        }).end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
        return;
      }
      const { authorization: _dropped, ...headers } = req.headers;
      const forward = http.request(`${backend}${req.url}`, { method: req.method, headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => { if (!res.headersSent) res.writeHead(502).end(); });
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    return {
      host,
      image: `${host}/credshare/hello:1`,
      manifestDigest: seeded,
      seen,
      async close() {
        proxy.closeAllConnections();
        await new Promise<void>((resolve) => proxy.close(() => resolve()));
        await stop(registry);
      },
    };
  } catch (error) {
    await stop(registry);
    throw error;
  }
}

async function waitForRegistry(backend: string, registry: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (registry.exitCode !== null) throw new Error(`docker-registry exited (${registry.exitCode}): ${log()}`);
    try {
      if ((await fetch(`${backend}/v2/`)).ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`docker-registry did not answer on ${backend} within 10 s: ${log()}`);
}

/** Pushes a config blob, one layer and a schema 2 manifest over the registry's HTTP API. */
async function seedImage(backend: string, repository: string, tag: string): Promise<string> {
  const layer = Buffer.from('credshare test layer\n');
  const configBlob = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: {} }));
  const layerDigest = await pushBlob(backend, repository, layer);
  const configDigest = await pushBlob(backend, repository, configBlob);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_TYPE,
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: configBlob.length, digest: configDigest },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: layerDigest }],
  });
  const put = await fetch(`${backend}/v2/${repository}/manifests/${tag}`, { method: 'PUT', headers: { 'content-type': MANIFEST_TYPE }, body: manifest });
  if (put.status !== 201) throw new Error(`seeding the manifest failed: HTTP ${put.status} ${await put.text()}`);
  return digestOf(Buffer.from(manifest));
}

async function pushBlob(backend: string, repository: string, blob: Buffer): Promise<string> {
  const digest = digestOf(blob);
  const started = await fetch(`${backend}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  const location = started.headers.get('location');
  if (started.status !== 202 || !location) throw new Error(`starting a blob upload failed: HTTP ${started.status}`);
  const url = new URL(location, backend);
  url.searchParams.set('digest', digest);
  const put = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: blob });
  if (put.status !== 201) throw new Error(`uploading blob ${digest} failed: HTTP ${put.status} ${await put.text()}`);
  return digest;
}

function digestOf(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => { child.once('close', () => resolve()); child.kill('SIGTERM'); });
}
