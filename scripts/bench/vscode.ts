// `npm run bench:vscode [-- --windows N --minutes M] [-- --base path/to/old.vsix]`: the
// extension's cost in a real VS Code (code-server, test/e2e/setup.sh), before and after:
//   1. bundle size: what every window loads at start-up, and the whole extension
//   2. code loading + activation time, from VS Code's own "Running Extensions" figures
//   3. CPU of N idle windows over M minutes (each window = one extension host process)
//   4. getSession latency with a fresh token (credshare, and the built-in github provider)
// for these setups: VS Code with only its built-ins (+ the consumer fixture that reads
// pids and times getSession), the given old .vsix signed in, and this build signed in and
// with no profile at all. Writes docs/bench/vscode.json (or --out DIR).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { credshareVsix, processCpuMs, startIssuer, type IssuerAdmin } from '../../test/e2e/harness/credshare';
import { fixturesDir, launchBrowser, openWindows, packageExtension, sleep, startVsCodeServer, type VsCodeWindow } from '../../test/e2e/harness/index';
import { bundleSizes, type BundleSizes } from './vscode-bundle';

const repoRoot = path.resolve(__dirname, '..', '..');

interface Setup {
  name: string;
  vsix?: string;
  signedIn: boolean;
}

interface SetupResult {
  setup: string;
  windows: number;
  minutes: number;
  /** Extension host CPU over the idle period: each window's ms, the total, and % of one core per window. */
  idleCpuMsPerWindow: number[];
  idleCpuPercentPerWindow: number;
  /** VS Code's Running Extensions figures for credshare in window 1 (ms), when it is installed and active. */
  activation?: { codeLoadingMs?: number; activateCallMs?: number; activateResolvedMs?: number; text: string } | null;
  getSession?: Record<string, { firstMs: number; medianMs: number; p90Ms: number; outcome: string }>;
  /**
   * File-system system calls on the credshare home by window 1's extension host (all its
   * threads) per idle minute, from strace: what credshare itself does while nothing happens
   * (VS Code's own idle work, in the CPU figure, drowns it). Absent without strace.
   */
  credshareFsCallsPerMinute?: number;
}

/** What `npm run bench:vscode` and `npm run bench -- --vscode` take. */
export interface VsCodeBenchOptions {
  windows: number;
  minutes: number;
  /** The .vsix of the version to compare with (e.g. built from main before this change). */
  base?: string;
  outDir: string;
  /** Only the setups whose name contains this. */
  only?: string;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    windows: { type: 'string', default: '10' }, minutes: { type: 'string', default: '10' },
    base: { type: 'string' }, out: { type: 'string' }, only: { type: 'string' },
  } });
  await runVsCodeBench({
    windows: Number(values.windows), minutes: Number(values.minutes), base: values.base, only: values.only,
    outDir: path.resolve(values.out ?? path.join(repoRoot, 'docs', 'bench')),
  });
}

/** Runs every setup and writes `<outDir>/vscode.json`. */
export async function runVsCodeBench(options: VsCodeBenchOptions): Promise<void> {
  const values = options;
  const { windows, minutes, outDir } = options;
  const setups: Setup[] = [
    { name: 'VS Code built-ins only', signedIn: false },
    ...(values.base ? [{ name: `before (${path.basename(values.base)}), signed in`, vsix: path.resolve(values.base), signedIn: true }] : []),
    { name: 'after (this build), signed in', vsix: credshareVsix(), signedIn: true },
    { name: 'after (this build), no profile', vsix: credshareVsix(), signedIn: false },
  ].filter((s) => !values.only || s.name.includes(values.only));
  const sizes: BundleSizes = bundleSizes(repoRoot, values.base);
  console.log(`bundles: ${JSON.stringify(sizes)}`);
  const results: SetupResult[] = [];
  for (const setup of setups) {
    console.log(`\n${setup.name}: ${windows} window(s), ${minutes} min idle`);
    results.push(await measure(setup, windows, minutes));
    console.log(JSON.stringify(results.at(-1)));
  }
  const report = { measuredAt: new Date().toISOString(), machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model, loadAtEnd: os.loadavg()[0] }, windows, minutes, sizes, results };
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'vscode.json'), JSON.stringify(report, null, 2) + '\n');
  console.log(`\n${table(report.results)}\nwrote ${path.relative(repoRoot, path.join(outDir, 'vscode.json'))}`);
}

async function measure(setup: Setup, count: number, minutes: number): Promise<SetupResult> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-bench-vscode-'));
  const { issuer, admin } = await startIssuer();
  const consumer = await packageExtension(path.join(fixturesDir, 'consumer-extension'), path.join(tmp, 'vsix'), { dependencies: false });
  const server = await startVsCodeServer({
    vsix: [...(setup.vsix ? [setup.vsix] : []), consumer], runDir: path.join(tmp, 'run'),
    settings: { 'credshare.issuer': issuer.url, 'credshare.clientId': issuer.clientId },
  });
  const browser = await launchBrowser();
  try {
    if (setup.signedIn) await signIn(server.credshareHome, issuer.url, issuer.clientId, admin);
    const opened: VsCodeWindow[] = await openWindows(server, browser, count);
    const pids = [];
    for (const w of opened) pids.push(await w.extensionHostPid());
    await sleep(15_000); // start-up work (activations, the first store read) out of the way
    const before = pids.map(processCpuMs);
    const t0 = Date.now();
    const traced = traceFsCalls(pids[0]!, Math.min(minutes * 60, 120), server.credshareHome);
    await sleep(minutes * 60_000);
    const elapsed = Date.now() - t0;
    const fsCalls = await traced;
    const idle = pids.map((pid, i) => processCpuMs(pid) - before[i]!);
    const result: SetupResult = {
      setup: setup.name, windows: count, minutes,
      idleCpuMsPerWindow: idle,
      idleCpuPercentPerWindow: Number(((idle.reduce((a, b) => a + b, 0) / count / elapsed) * 100).toFixed(3)),
      ...(fsCalls ? { credshareFsCallsPerMinute: Number(((fsCalls.calls / fsCalls.seconds) * 60).toFixed(1)) } : {}),
    };
    const w1 = opened[0]!;
    const since = Date.now();
    await w1.runCommand('credshare e2e: Time getSession');
    result.getSession = (await w1.waitForResult<{ timings: SetupResult['getSession'] }>('get-session-timings.json', { newerThan: since, timeoutMs: 60_000 })).timings;
    // Last: the Running Extensions editor keeps the focus from the palette afterwards.
    if (setup.vsix) result.activation = await runningExtensionFigures(w1).catch((error: Error) => ({ text: `not read: ${error.message.split('\n')[0]}` }));
    return result;
  } finally {
    await browser.close();
    await server.stop();
    await issuer.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Counts system calls naming a path under `dir` by `pid` and its threads for `seconds` (strace -f); undefined without strace. */
function traceFsCalls(pid: number, seconds: number, dir: string): Promise<{ calls: number; seconds: number } | undefined> {
  const out = path.join(os.tmpdir(), `credshare-bench-strace-${pid}.txt`);
  return new Promise((resolve) => {
    execFile('timeout', ['-s', 'INT', String(seconds), 'strace', '-f', '-qq', '-y', '-e', 'trace=%file,%desc', '-p', String(pid), '-o', out], () => {
      try {
        const lines = fs.readFileSync(out, 'utf8').split('\n').filter((l) => l.includes(dir));
        resolve({ calls: lines.length, seconds });
      } catch {
        resolve(undefined);
      } finally {
        fs.rmSync(out, { force: true });
      }
    });
  });
}

/** A fresh session in the store, as `credshare login` leaves it (tokens minted by the issuer). */
async function signIn(home: string, issuerUrl: string, clientId: string, admin: IssuerAdmin): Promise<void> {
  const response = await fetch(`${admin.issuerUrl}/__admin/mint`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accountId: 'alice' }) });
  const minted = await response.json() as { accessToken: string; refreshToken: string; scope: string; expiresAt?: number };
  fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify({ defaultProfile: 'default', profiles: { default: { issuer: issuerUrl, clientId, scopes: ['openid', 'offline_access'], hosts: [], refreshToleranceSeconds: 300 } } }), { mode: 0o600 });
  const session = { accessToken: minted.accessToken, refreshToken: minted.refreshToken, expiresAt: Date.now() + 3_600_000, scope: minted.scope, account: { id: 'alice', label: 'Alice Example' } };
  fs.writeFileSync(path.join(home, 'credentials.json'), JSON.stringify({ version: 1, sessions: { default: session } }), { mode: 0o600 });
}

/** "Developer: Show Running Extensions": VS Code's own activation times (code loading + activate) for credshare and the built-in providers. */
async function runningExtensionFigures(w: VsCodeWindow): Promise<SetupResult['activation']> {
  await w.runCommand('Developer: Show Running Extensions');
  const list = w.page.locator('.runtime-extensions-editor');
  await list.waitFor({ timeout: 15_000 });
  const found: Record<string, string> = {};
  // The list is virtual and sorted by time, slowest first: scroll until the rows were seen.
  for (let i = 0; i < 15 && Object.keys(found).length < 3; i++) {
    for (const name of ['credshare', 'GitHub Authentication', 'Microsoft Account']) {
      if (found[name]) continue;
      const row = w.page.locator('.runtime-extensions-editor .monaco-list-row', { has: w.page.locator('.name', { hasText: new RegExp(`^\\s*${name}\\s*$`) }) }).first();
      if (await row.count()) found[name] = ((await row.locator('.activation-time').first().textContent()) ?? '').trim();
    }
    await list.hover();
    await w.page.mouse.wheel(0, 400);
    await sleep(300);
  }
  if (!found.credshare) await w.screenshot('bench-running-extensions');
  return { text: Object.entries(found).map(([k, v]) => `${k}: ${v}`).join('; ') || 'no rows read (screenshot: test-results/e2e/bench-running-extensions.png)' };
}

function table(results: SetupResult[]): string {
  const rows = results.map((r) => `| ${r.setup} | ${r.idleCpuPercentPerWindow}% | ${r.credshareFsCallsPerMinute ?? '–'} | ${r.activation?.text ?? '–'} | ${r.getSession?.credshare?.medianMs?.toFixed(2) ?? '–'} ms | ${r.getSession?.github?.medianMs?.toFixed(2) ?? '–'} ms |`);
  return ['| setup | idle CPU per window (% of a core) | fs calls on the credshare home per idle minute | activation (Running Extensions) | getSession credshare (median) | getSession github (median) |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
