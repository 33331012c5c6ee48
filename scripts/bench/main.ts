// `npm run bench [-- --quick] [-- --out DIR]`: every figure of issue 5 in one run against the
// embedded oidc-provider. Prints the tables, writes them as JSON and draws the chart.
//   full:   docs/bench/results.json and docs/bench/storm.svg (committed; takes a few minutes)
//   --quick: smaller N and fewer rounds, to test-results/bench/ (a sanity check, ~1 minute)
//   --vscode [--vscode-windows N --vscode-minutes M --vscode-base OLD.vsix]: also the VS Code
//            figures (vscode.ts; code-server from test/e2e/setup.sh, credshare.vsix from npm run package)
//   --baseline COMMIT (default 5e1f00f) | --no-baseline: figure 2b races that commit's CLI, built
//            in a temporary worktree (baseline.ts), beside this one
//   --native-only: only the native client's figures beside oidc-agent (native.ts; ~6 minutes)
//   --no-native: without them
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { signedInHomeWithIssuerProcess } from '../../src/demo/signed-in-home';
import { cliPath } from '../../src/demo/race';
import { Progress } from '../../src/demo/progress';
import { median } from '../../src/demo/stats';
import { runAgentIdle } from './agent-idle';
import { stormChart } from './chart';
import { hotPath } from './hot-path';
import { inProcessStorm } from './in-process';
import { bends, printReport, targets, type BenchReport } from './report';
import { storm } from './storm';
import { buildBaseline } from './baseline';
import { stormCpu } from './storm-cpu';
import { runVsCodeBench } from './vscode';
import { FULL_PLAN, nativeBench, QUICK_PLAN } from './native';
import { nativeTargets, printNativeReport } from './native-report';
import { readWindowsFigures } from './windows';

const repoRoot = path.resolve(__dirname, '..', '..');

/** The commit figure 2b compares with: main before issue 15 (docs/bench.md, "Storm CPU"). */
const BASELINE_COMMIT = '5e1f00f';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    quick: { type: 'boolean', default: false }, out: { type: 'string' },
    // The VS Code figures (code-server; needs test/e2e/setup.sh and `npm run package`): see vscode.ts.
    vscode: { type: 'boolean', default: false }, 'vscode-windows': { type: 'string', default: '10' },
    'vscode-minutes': { type: 'string', default: '10' }, 'vscode-base': { type: 'string' },
    baseline: { type: 'string', default: BASELINE_COMMIT }, 'no-baseline': { type: 'boolean', default: false },
    'native-only': { type: 'boolean', default: false }, 'no-native': { type: 'boolean', default: false },
  } });
  const quick = values.quick!;
  // cpuSizes: figure 2b (storm-cpu.ts), issue 15's storms: 300 processes, 3 pairs (the median
  // of 3), and 1000 processes, 2 pairs (the second round is where waiters used to fail).
  const plan = quick
    ? { sizes: [{ processes: 1, rounds: 3 }, { processes: 10, rounds: 3 }, { processes: 50, rounds: 1 }], cpuSizes: [{ processes: 50, pairs: 1 }], hotRounds: 6, inProcessRepeats: 2 }
    : { sizes: [{ processes: 1, rounds: 5 }, { processes: 10, rounds: 5 }, { processes: 100, rounds: 3 }, { processes: 1000, rounds: 1 }],
      cpuSizes: [{ processes: 300, pairs: 3 }, { processes: 1000, pairs: 2 }], hotRounds: 30, inProcessRepeats: 5 };
  const outDir = path.resolve(values.out ?? path.join(repoRoot, quick ? 'test-results/bench' : 'docs/bench'));
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` (npm run bench does it for you).`);

  const progress = new Progress();
  if (values['native-only']) {
    await runNative(quick, outDir, progress);
    return;
  }
  // Tokens live an hour, so no run outlives its token; processes refresh 60 s before expiry.
  // The issuer runs in a process of its own, as a remote one would: this process spawns
  // the storms, which stalls its event loop for seconds at N = 1000.
  const env = await signedInHomeWithIssuerProcess({ accessTokenTtlSeconds: 3600, toleranceSeconds: 60, prefix: 'credshare-bench-' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => { void env.close().finally(() => process.exit(130)); });
  }
  try {
    const meta = machine(quick);
    progress.note(`credshare bench (${quick ? 'quick' : 'full'}): ${meta.cpuModel}, ${meta.cores} cores, Node ${meta.node}, load ${meta.loadAtStart.toFixed(2)}`);

    progress.start(`1. hot path, ${plan.hotRounds} rounds`, plan.hotRounds * 3);
    await env.signIn();
    const hot = hotPath(env.home.env, plan.hotRounds, path.dirname(env.home.paths.home));
    progress.finish(hot.slice(1).map((r) => `${r.name.replace('credshare ', '')} ${r.wallRatio.toFixed(2)}x`).join(', '));

    const stormRows = await storm(env, {
      sizes: plan.sizes,
      baselineUpTo: 100,
      onStart: (label, n) => progress.start(`2. storm N=${n}, ${label}`, n),
      onExit: (done) => progress.update(done),
      onEnd: (_label, r) => progress.finish(`wall ${(r.wallMs / 1000).toFixed(2)} s, ${r.refreshRequests} refresh, ${r.failures} failed, ${r.sessionsLost} lost`),
    });

    const baseline = values['no-baseline'] ? undefined : buildBaseline(repoRoot, values.baseline!, (line) => progress.note(line));
    let stormCpuRows;
    try {
      stormCpuRows = await stormCpu(env, {
        builds: [{ label: `this build (${meta.commit})` }, ...(baseline ? [{ label: `baseline ${baseline.commit}`, cli: baseline.cli }] : [])],
        sizes: plan.cpuSizes,
        onStart: (label, n) => progress.start(`2b. storm CPU N=${n}, ${label}`, n),
        onExit: (done) => progress.update(done),
        onEnd: (_label, r) => progress.finish(`CPU ${((r.cpuMs ?? Number.NaN) / 1000).toFixed(2)} s, wall ${(r.wallMs / 1000).toFixed(2)} s, ${r.refreshRequests} refresh, ${r.failures} failed`),
      });
    } finally {
      baseline?.remove();
    }

    progress.start('3. in-process, 10,000 getSession() calls', plan.inProcessRepeats);
    const runs = [];
    for (let i = 0; i < plan.inProcessRepeats; i++) runs.push(await inProcessStorm(env, 10_000));
    const inProcess = { runs, overheadP50Ms: median(runs.map((r) => r.overheadMs)), refreshRequestsMax: Math.max(...runs.map((r) => r.refreshRequests)) };
    progress.finish(`${(inProcess.overheadP50Ms).toFixed(1)} ms beyond the issuer`);
    await runAgentIdle(env.home.env, quick, outDir, progress);

    const report: BenchReport = {
      meta: { ...meta, loadAtEnd: os.loadavg()[0]! },
      hotPath: hot,
      storm: stormRows,
      stormCpu: stormCpuRows,
      inProcess,
      windows: readWindowsFigures(repoRoot) ?? null,
      bends: bends(stormRows),
      targets: [],
    };
    report.targets = targets(report);
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(report, null, 2) + '\n');
    const subtitle = `${meta.cores} cores (${meta.cpuModel}), Node ${meta.node}, ${meta.date.slice(0, 10)}, commit ${meta.commit}`;
    fs.writeFileSync(path.join(outDir, 'storm.svg'), stormChart(stormRows, subtitle));
    printReport(report, process.stdout);
    if (!values['no-native']) await runNative(quick, outDir, progress);
    if (values.vscode) {
      process.stdout.write('\n6. VS Code: bundle, activation, idle windows, getSession latency (code-server)\n');
      await runVsCodeBench({ windows: Number(values['vscode-windows']), minutes: Number(values['vscode-minutes']), base: values['vscode-base'], outDir });
    }
    process.stdout.write(`\nwrote ${path.relative(repoRoot, path.join(outDir, 'results.json'))} and ${path.relative(repoRoot, path.join(outDir, 'storm.svg'))}\n`);
  } finally {
    await env.close();
  }
}

/**
 * The native client beside oidc-agent (issue 18): its own issuer (a confidential client,
 * a short token lifetime), written to native.json beside results.json.
 */
async function runNative(quick: boolean, outDir: string, progress: Progress): Promise<void> {
  const meta = machine(quick);
  progress.note(`native client vs oidc-agent (${quick ? 'quick' : 'full'}): load ${meta.loadAtStart.toFixed(2)}`);
  const report = await nativeBench(quick ? QUICK_PLAN : FULL_PLAN, (line) => progress.note(line));
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'native.json'), JSON.stringify({ meta: { ...meta, loadAtEnd: os.loadavg()[0]! }, ...report, targets: nativeTargets(report) }, null, 2) + '\n');
  printNativeReport(report, process.stdout);
  process.stdout.write(`\nwrote ${path.relative(repoRoot, path.join(outDir, 'native.json'))}\n`);
}

function machine(quick: boolean) {
  const cpus = os.cpus();
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  return {
    command: `npm run bench${quick ? ' -- --quick' : ''}`,
    date: new Date().toISOString(),
    commit,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism?.() ?? cpus.length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    loadAtStart: os.loadavg()[0]!,
  };
}

export type Machine = ReturnType<typeof machine> & { loadAtEnd: number };

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
