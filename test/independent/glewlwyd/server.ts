import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { startCountingProxy, type CountingProxy } from '../../support/counting-proxy';
import { configureThroughAdminApi } from './admin';
import { serverConfig } from './config';
import { copyWebapp, DEBIAN, initDatabase } from './install';

/** A scratch glewlwyd on 127.0.0.1 behind a counting proxy; nothing of it outlives `stop()`. */
export interface Glewlwyd {
  /** The issuer identifier, as the discovery document states it (the proxy's URL). */
  issuer: string;
  /** Counts what reaches glewlwyd. */
  proxy: CountingProxy;
  /** Lines of glewlwyd's own log matching `pattern` (its "Event" lines name each token it issues). */
  logLines(pattern: RegExp): string[];
  /** Milliseconds from spawning glewlwyd to its first answer, and then to a configured issuer. */
  startMs: number;
  configureMs: number;
  stop(): Promise<void>;
}

export interface GlewlwydOptions {
  accessTokenSeconds: number;
  /** Refresh token lifetime (default 3600 s). */
  refreshTokenSeconds?: number;
  /** The one loopback redirect URI the clients are registered with (browser sign-in). */
  redirectUri?: string;
}

export async function startGlewlwyd(options: GlewlwydOptions): Promise<Glewlwyd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-glewlwyd-'));
  let upstream = new URL('http://127.0.0.1:9');
  const proxy = await startCountingProxy(() => upstream);
  const files = {
    port: await freePort(), publicUrl: proxy.url, dir,
    database: path.join(dir, 'glewlwyd.db'), webapp: path.join(dir, 'webapp'), log: path.join(dir, 'glewlwyd.log'),
  };
  upstream = new URL(`http://127.0.0.1:${files.port}`);
  initDatabase(files.database);
  copyWebapp(files.webapp, files.publicUrl);
  fs.writeFileSync(path.join(dir, 'glewlwyd.conf'), serverConfig(files));
  const started = performance.now();
  const child = spawn(DEBIAN.binary, ['-c', path.join(dir, 'glewlwyd.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => { output += d; });
  child.stderr!.on('data', (d) => { output += d; });
  const stop = async (): Promise<void> => {
    await stopChild(child);
    await proxy.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilAnswering(`${upstream.origin}/config`, child, () => output);
    const startMs = performance.now() - started;
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const issuer = `${proxy.url}/api/oidc`;
    await configureThroughAdminApi(`${upstream.origin}/api`, {
      issuer, accessTokenSeconds: options.accessTokenSeconds, refreshTokenSeconds: options.refreshTokenSeconds,
      privateKeyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKeyPem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    }, [options.redirectUri ?? 'http://127.0.0.1/callback']);
    const configureMs = performance.now() - started - startMs;
    const logLines = (pattern: RegExp): string[] =>
      fs.existsSync(files.log) ? fs.readFileSync(files.log, 'utf8').split('\n').filter((l) => pattern.test(l)) : [];
    return { issuer, proxy, logLines, startMs, configureMs, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A port nobody listens on right now (glewlwyd takes its port from its configuration file). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitUntilAnswering(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`glewlwyd exited with ${child.exitCode}: ${output()}`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`glewlwyd did not answer ${url} within 20 s: ${output()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
