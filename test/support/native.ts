import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { repoRoot, runCli } from './processes';

/** dist/native/<platform>-<arch>/, where `npm run build` puts the native client for this machine. */
export const nativeDir = path.join(repoRoot, 'dist', 'native', `${process.platform}-${process.arch}`);
export const nativeClient = path.join(nativeDir, process.platform === 'win32' ? 'credshare.exe' : 'credshare');

/**
 * The client's implementations built for this machine, for tests to run against each:
 * the one shipped in dist/native/ (C on Linux when a C compiler was there, else Go), and
 * the Go client built beside it in dist/native-go/ when the shipped one is C (macOS and
 * Windows ship the Go client: its behaviour is proven here, on Linux).
 */
export interface NativeImplementation { name: string; dir: string; client: string }
const goTwinDir = path.join(repoRoot, 'dist', 'native-go', `${process.platform}-${process.arch}`);
export const nativeImplementations: NativeImplementation[] = fs.existsSync(path.join(goTwinDir, 'credshare'))
  ? [{ name: 'C client', dir: nativeDir, client: nativeClient }, { name: 'Go client', dir: goTwinDir, client: path.join(goTwinDir, 'credshare') }]
  : [{ name: 'client', dir: nativeDir, client: nativeClient }];

/**
 * The native client, or a skip where it cannot exist: Windows (no agent in v1) or no Go
 * to build it. With Go present a missing client is a failure (the build must have made it).
 */
export function requireNativeClient(t: TestContext): string | undefined {
  if (process.platform === 'win32') { t.skip('no native client on Windows (no agent in v1)'); return undefined; }
  if (fs.existsSync(nativeClient)) return nativeClient;
  const go = spawnSync(process.env.GO || 'go', ['version'], { encoding: 'utf8' });
  if (go.error) { t.skip('Go is not installed (apt-get install golang-go), so `npm run build` built no native client'); return undefined; }
  throw new Error(`${nativeClient} is missing although Go is installed: run \`npm run build\``);
}

/** A private socket directory (the client's and agent's XDG_RUNTIME_DIR) for one test. */
export function runtimeDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-run-'));
  fs.chmodSync(dir, 0o700);
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The agent's socket for `home` under XDG_RUNTIME_DIR `runtime` (docs/agent-protocol.md). */
export function agentSocket(runtime: string, home: string): string {
  const id = crypto.createHash('sha256').update(home).digest('hex').slice(0, 16);
  return path.join(runtime, 'credshare', `agent-${id}.sock`);
}

/**
 * A running stand-in agent (test/support/fake-agent.mjs, NOT the real agent: it answers
 * no credential question, it only lets a test script what the client meets).
 */
export interface StandIn {
  child: ChildProcess;
  socket: string;
  /** The requests it received (Q payloads), and stdin records. */
  requests(): Record<string, unknown>[];
  stop(): void;
}

export async function startStandIn(t: TestContext, runtime: string, home: string, behaviour: string, env: NodeJS.ProcessEnv = process.env): Promise<StandIn> {
  const socket = agentSocket(runtime, home);
  fs.mkdirSync(path.dirname(socket), { recursive: true, mode: 0o700 });
  const child = spawn(process.execPath, [path.join(repoRoot, 'test', 'support', 'fake-agent.mjs'), socket, behaviour], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = (): void => { try { child.kill('SIGCONT'); child.kill('SIGKILL'); } catch { /* gone */ } };
  t.after(stop);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`stand-in agent exited (${code})`)));
  });
  return {
    child,
    socket,
    requests: () => (fs.existsSync(`${socket}.requests`) ? fs.readFileSync(`${socket}.requests`, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : []),
    stop,
  };
}

/** What the client said it did (CREDSHARE_DEBUG=1 lines starting "credshare-client:"). */
export function clientTrace(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('credshare-client: ')).map((l) => l.slice('credshare-client: '.length));
}

/** Waits (up to 20 s) until an agent serves the home of `env`; returns its status. */
export async function waitForAgent(env: NodeJS.ProcessEnv): Promise<{ pid: number; requestsServed: number; fallbacks: number }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const status = await runCli(['agent', 'status', '--json'], env);
    const parsed = status.code === 0 ? JSON.parse(status.stdout) as { running: boolean; pid: number; requestsServed: number; fallbacks: number } : undefined;
    if (parsed?.running) return parsed;
    if (Date.now() > deadline) throw new Error(`no agent serves the home: ${status.stdout}${status.stderr}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Stops the home's agent, if one runs (`credshare agent stop`). */
export async function stopAgent(env: NodeJS.ProcessEnv): Promise<void> {
  await runCli(['agent', 'stop'], env);
}
