// `npm start`: the demo. A real oidc-provider on 127.0.0.1 whose refresh tokens rotate
// and detect reuse, a temporary credshare home signed in to it, and a storm of
// `credshare helper --protocol bazel get` and `credshare token` processes racing on an
// expired access token: once with credshare's coordination, once with it switched off
// (CREDSHARE_UNSAFE_NO_COORDINATION=1, demo only), and once on a fresh token for scale.
//
//   npm start [-- --processes N]
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { signedInHome } from './signed-in-home';
import { HELPER_GET, TOKEN, cliPath } from './race';
import { Progress } from './progress';
import { runScenario, type Mode, type ScenarioResult } from './scenario';
import type { SignedInHome } from './signed-in-home';
import { renderTable, seconds, styleFor, type Cell, type Column } from './table';

const RACES: { mode: Mode; label: string }[] = [
  { mode: 'fresh', label: 'fresh token (for scale)' },
  { mode: 'coordinated', label: 'expired, coordination ON' },
  { mode: 'uncoordinated', label: 'expired, coordination OFF' },
];

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { processes: { type: 'string', default: '100' } } });
  const processes = Number(values.processes);
  if (!Number.isInteger(processes) || processes < 2) throw new Error(`--processes takes a whole number of at least 2, not ${values.processes}`);
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` (npm start does it for you).`);

  const out = process.stdout;
  const progress = new Progress();
  out.write('credshare demo: one refresh, however many processes race\n\n');
  // Access tokens live a minute: longer than a race, so each race needs exactly one refresh.
  const env = await signedInHome({ accessTokenTtlSeconds: 60, toleranceSeconds: 10, prefix: 'credshare-demo-' });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await env.close();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => { void close().finally(() => process.exit(130)); });
  }
  try {
    progress.note(`issuer:  oidc-provider at ${env.issuer.url}: refresh tokens rotate, and a reused one revokes the whole session`);
    progress.note(`home:    ${env.home.paths.home} (signed in as alice)`);
    progress.note(`racing:  ${processes} processes at once, half \`credshare helper --protocol bazel get\`, half \`credshare token\`\n`);
    const results: ScenarioResult[] = [];
    for (const race of RACES) results.push(await runOne(env, race, processes, progress));
    out.write('\n' + renderTable(COLUMNS, results.map((r, i) => row(RACES[i]!.label, r)), styleFor(out)));
    const [, on, off] = results as [ScenarioResult, ScenarioResult, ScenarioResult];
    out.write('\n' + verdict(on, off) + '\n');
    return coordinatedOk(on) ? 0 : 1;
  } finally {
    await close();
  }
}

async function runOne(env: SignedInHome, race: (typeof RACES)[number], processes: number, progress: Progress): Promise<ScenarioResult> {
  progress.start(race.label, processes);
  // Below our priority: the issuer in this process stands for a remote server.
  const result = await runScenario(env, { mode: race.mode, processes, commands: [HELPER_GET, TOKEN], niceness: 10, onExit: (done) => progress.update(done) });
  const requests = `${result.refreshRequests} refresh request${result.refreshRequests === 1 ? '' : 's'}`;
  progress.finish(result.sessionsLost ? `${requests}, session REVOKED` : requests);
  return result;
}

const COLUMNS: Column[] = [
  { header: 'race' },
  { header: 'processes', align: 'right' },
  { header: 'refresh requests', align: 'right' },
  { header: 'failures', align: 'right' },
  { header: 'working tokens', align: 'right' },
  { header: 'sessions lost', align: 'right' },
  { header: 'p50', align: 'right' },
  { header: 'p99', align: 'right' },
  { header: 'wall', align: 'right' },
];

function row(label: string, r: ScenarioResult): Cell[] {
  const expected = r.mode === 'fresh' ? 0 : 1;
  return [
    label,
    String(r.processes),
    { text: String(r.refreshRequests), tone: r.refreshRequests === expected ? 'good' : 'bad' },
    { text: String(r.failures), tone: r.failures === 0 ? 'good' : 'bad' },
    { text: `${r.workingTokens}/${r.processes}`, tone: r.workingTokens === r.processes ? 'good' : 'bad' },
    { text: String(r.sessionsLost), tone: r.sessionsLost === 0 ? 'good' : 'bad' },
    seconds(r.p50Ms),
    seconds(r.p99Ms),
    seconds(r.wallMs),
  ];
}

function coordinatedOk(r: ScenarioResult): boolean {
  return r.refreshRequests === 1 && r.failures === 0 && r.sessionsLost === 0 && r.workingTokens === r.processes;
}

function verdict(on: ScenarioResult, off: ScenarioResult): string {
  const lines = [
    coordinatedOk(on)
      ? `Coordination ON:  ${on.processes} processes, 1 refresh request; every process got a token the issuer accepts, and the session lives on.`
      : `Coordination ON:  ${on.refreshRequests} refresh requests, ${on.failures} failures, ${on.sessionsLost} sessions lost. That is a bug: please report it.`,
    off.sessionsLost
      ? `Coordination OFF: ${off.refreshRequests} processes redeemed the same refresh token; the issuer saw ${off.reuseDetections} reuse${off.reuseDetections === 1 ? '' : 's'} and revoked the session. `
        + `${off.failures} processes failed, ${off.processes - off.failures - off.workingTokens} got a token that no longer works, and you would have to sign in again.`
      : `Coordination OFF: ${off.refreshRequests} refresh requests, and this time the session survived by luck (the processes did not overlap).`,
  ];
  if (off.firstError) lines.push(`                  (what a failed process said: ${off.firstError})`);
  return lines.join('\n');
}

main().then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
