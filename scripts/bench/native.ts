// The native client's figures (issue 18), side by side with oidc-agent in one run against
// one embedded issuer: one call on a fresh token, storms on a stale token, the first call
// with no agent, and 1000 first calls at once. Subjects alternate (credshare, oidc-agent,
// credshare, ...), so that a change in the machine's load hits both sides alike.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeHome, type ScratchHome } from '../../src/demo/home';
import { sessionFromMinted } from '../../src/demo/signed-in-home';
import { cliPath } from '../../src/demo/race';
import { median } from '../../src/demo/stats';
import { refreshMarginSeconds } from '../../src/core/refresh-margin';
import { startIssuerProcess, type IssuerProcess } from '../../src/issuer/issuer-process';
import { missingOidcAgentTools, startOidcAgent, type OidcAgent } from './oidc-agent';
import { processCpuMs, Runner, type RunnerRun, type RunnerSubject } from './runner';
import { agentPid, firstCalls, stopAgentOf, waitForAgentOf } from './native-agent';

const repoRoot = path.resolve(__dirname, '..', '..');
const nativeDir = path.join(repoRoot, 'dist', 'native', `${process.platform}-${process.arch}`);
const client = path.join(nativeDir, 'credshare');
/** The Go client built beside the C one for the tests (scripts/build-native.mjs): macOS ships it. */
const goTwin = path.join(repoRoot, 'dist', 'native-go', `${process.platform}-${process.arch}`, 'credshare');

/** The host the git helper is asked about; the profile's only host. */
const GIT_HOST = 'git.example.com';
const GIT_REQUEST = `protocol=https\nhost=${GIT_HOST}\n\n`;

export interface NativePlan {
  /** Rounds of the one-call comparison (each runs every subject once). */
  hotRounds: number;
  /** Rounds of the first call with no agent against today's Node path. */
  firstCallRounds: number;
  /** Storm sizes, each on a stale token, credshare and oidc-agent alternating. */
  stormSizes: number[];
  /** Also today's Node path for storms up to this N (it takes a minute at N = 1000). */
  todayUpTo: number;
  /** N of the "first calls at once with no agent" run (exactly one agent must result). */
  firstCallStorm: number;
  /** The issuer's access-token lifetime, and the validity both sides insist on (credshare's tolerance, oidc-token -t). */
  lifetimeSeconds: number;
  minValidSeconds: number;
}

export const FULL_PLAN: NativePlan = { hotRounds: 30, firstCallRounds: 10, stormSizes: [100, 300, 1000], todayUpTo: 300, firstCallStorm: 1000, lifetimeSeconds: 240, minValidSeconds: 120 };
export const QUICK_PLAN: NativePlan = { hotRounds: 8, firstCallRounds: 3, stormSizes: [30, 100], todayUpTo: 100, firstCallStorm: 100, lifetimeSeconds: 80, minValidSeconds: 40 };

export interface SubjectFigures {
  name: string;
  runs: number;
  wallP50Ms: number;
  cpuMeanMs: number;
  maxRssP50Kb: number;
  failures: number;
}

export interface StormFigures {
  side: 'credshare (native client + agent)' | 'oidc-agent' | 'credshare today (Node per call)';
  processes: number;
  wallMs: number;
  /** The storm's processes' CPU, plus the daemon's (agent, oidc-agent) over the storm. */
  cpuMs: number;
  daemonCpuMs: number;
  refreshRequests: number;
  failures: number;
  /** Distinct tokens handed out (1: everyone got the one refreshed token). */
  distinctTokens: number;
  /** The first failed process's stderr (its last line), if any failed. */
  firstError?: string;
}

export interface NativeReport {
  skipped?: string;
  peer?: string;
  hot: SubjectFigures[];
  firstCall: SubjectFigures[];
  storms: StormFigures[];
  firstCallStorm?: { processes: number; wallMs: number; failures: number; agentStarts: number; agentsServing: number; firstError?: string };
  notes: string[];
}

export async function nativeBench(plan: NativePlan, say: (line: string) => void): Promise<NativeReport> {
  const empty = { hot: [], firstCall: [], storms: [], notes: [] };
  if (process.platform !== 'linux') return { ...empty, skipped: 'the native figures need Linux (/proc, SO_PEERCRED)' };
  if (!fs.existsSync(client)) return { ...empty, skipped: `no native client at ${client} (install golang-go and run npm run build)` };
  const missing = missingOidcAgentTools();
  const runner = Runner.build();
  const issuer = await startIssuerProcess({ accessTokenTtlSeconds: plan.lifetimeSeconds, behaviours: ['client-secret'] });
  const homes: ScratchHome[] = [];
  let peer: OidcAgent | undefined;
  const runtime = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-bench-run-'));
  fs.chmodSync(runtime, 0o700);
  try {
    // Two homes on one issuer, each its own grant: the native client's, and today's Node
    // path's (its storms need a stale token of their own, at the same moment).
    const native = await home(issuer, plan, homes);
    const today = await home(issuer, plan, homes);
    const nativeEnv = { ...native.env, XDG_RUNTIME_DIR: runtime };
    const todayEnv = { ...today.env, XDG_RUNTIME_DIR: runtime, CREDSHARE_AGENT: 'off' };
    if (missing.length === 0) {
      const minted = await issuer.mint('alice');
      peer = startOidcAgent({ url: issuer.url, clientId: issuer.clientId, clientSecret: issuer.clientSecret! }, minted.refreshToken, minted.scope);
    }
    const report: NativeReport = { ...empty, notes: [] };
    if (!peer) report.peer = `oidc-agent rows skipped: ${missing.join(', ')} not found (apt-get install oidc-agent-cli)`;
    const gitClient: RunnerSubject = { name: 'credshare (native client)', argv: [client, 'helper', '--protocol', 'git', 'get'], env: nativeEnv, input: GIT_REQUEST };
    const gitNode: RunnerSubject = { name: 'credshare today (node dist/cli.js)', argv: [process.execPath, cliPath, 'helper', '--protocol', 'git', 'get'], env: todayEnv, input: GIT_REQUEST };
    const oidcToken: RunnerSubject | undefined = peer && { name: 'oidc-agent (oidc-token)', argv: peer.tokenArgv(plan.minValidSeconds), env: peer.env };

    say(`first call with no agent, ${plan.firstCallRounds} rounds`);
    report.firstCall = await firstCallFigures(runner, gitClient, gitNode, plan.firstCallRounds, nativeEnv);

    say(`one call on a fresh token, ${plan.hotRounds} rounds`);
    await runner.alternate([gitClient], 1); // no agent: this call starts one
    await waitForAgentOf(nativeEnv);
    // Beside the git helper: Bazel's (the tool that calls most: once per artifact), by the
    // name Bazel runs, and the Go client, which macOS ships, on the same agent.
    const bazelClient: RunnerSubject = { name: 'credshare-bazel get (Bazel\'s helper, same client)', argv: [path.join(nativeDir, 'credshare-bazel'), 'get'], env: nativeEnv, input: JSON.stringify({ uri: `https://${GIT_HOST}/a.tar.gz` }) };
    const goClient: RunnerSubject | undefined = fs.existsSync(goTwin) ? { name: 'the Go client (macOS ships it), git helper', argv: [goTwin, 'helper', '--protocol', 'git', 'get'], env: nativeEnv, input: GIT_REQUEST } : undefined;
    const hotSubjects = [
      { name: '/bin/true', argv: ['/bin/true'], env: {} },
      gitClient,
      bazelClient,
      ...(goClient ? [goClient] : []),
      ...(oidcToken ? [oidcToken] : []),
      { name: 'an empty Go program (the floor of any Go client)', argv: [runner.goFloor], env: {} },
      gitNode,
    ];
    await runner.alternate(hotSubjects, 3); // warm-up: page cache, the agent's first requests
    report.hot = summarise(hotSubjects, await runner.alternate(hotSubjects, plan.hotRounds));

    let peerFreshUntil = Date.now() + plan.lifetimeSeconds * 1000;
    for (const [i, n] of plan.stormSizes.entries()) {
      // Stale for everyone: less than minValid left of every token (credshare's tolerance, oidc-token -t).
      // Stale for credshare once a token has less left than its margin (the tolerance, capped by
      // half the token's lifetime: src/core/refresh-margin.ts; the lifetimes above keep it at
      // minValidSeconds), for oidc-agent once less than `oidc-token -t`.
      const credshareStaleAt = (session: { expiresAt: number; lifetimeSeconds?: number }) => session.expiresAt - refreshMarginSeconds(plan.minValidSeconds, session.lifetimeSeconds) * 1000;
      const staleAt = Math.max(credshareStaleAt(native.readSession()!), credshareStaleAt(today.readSession()!), peerFreshUntil - plan.minValidSeconds * 1000) + 1000;
      if (staleAt > Date.now()) say(`storm N=${n}: waiting ${Math.ceil((staleAt - Date.now()) / 1000)} s for every token to be stale (${plan.lifetimeSeconds} s lifetime, ${plan.minValidSeconds} s minimum validity)`);
      while (Date.now() < staleAt) await new Promise((r) => setTimeout(r, 500));
      const sides: (() => Promise<StormFigures>)[] = [
        () => stormFigures(runner, issuer, gitClient, n, 'credshare (native client + agent)', agentPid(nativeEnv), passwordOf),
        ...(oidcToken ? [async () => {
          const figures = await stormFigures(runner, issuer, oidcToken, n, 'oidc-agent', peer!.pid, (out) => out.trim() || undefined);
          peerFreshUntil = Date.now() + plan.lifetimeSeconds * 1000;
          return figures;
        }] : []),
        ...(n <= plan.todayUpTo ? [() => stormFigures(runner, issuer, gitNode, n, 'credshare today (Node per call)', undefined, passwordOf)] : []),
      ];
      // Alternate who goes first.
      const order = i % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) {
        const figures = await side();
        say(`  ${figures.side} N=${n}: ${(figures.wallMs / 1000).toFixed(2)} s, CPU ${(figures.cpuMs / 1000).toFixed(2)} s, ${figures.refreshRequests} refresh, ${figures.failures} failed`);
        report.storms.push(figures);
      }
    }

    say(`${plan.firstCallStorm} first calls at once, no agent running`);
    await stopAgentOf(nativeEnv);
    // A home of its own whose token stays fresh for the whole storm (a tolerance of 5 s):
    // a thousand Node processes take minutes on a busy machine, and this figure is about
    // starting one agent, not about a refresh in the middle.
    const first = await home(issuer, { ...plan, minValidSeconds: 5 }, homes);
    const firstEnv = { ...first.env, XDG_RUNTIME_DIR: runtime };
    report.firstCallStorm = await firstCalls(runner, { ...gitClient, env: firstEnv }, plan.firstCallStorm, firstEnv, runtime);
    await stopAgentOf(firstEnv);
    return report;
  } finally {
    for (const h of homes) await stopAgentOf({ ...h.env, XDG_RUNTIME_DIR: runtime }).catch(() => {});
    peer?.stop();
    runner.remove();
    await issuer.stop();
    for (const h of homes) h.remove();
    fs.rmSync(runtime, { recursive: true, force: true });
  }
}

async function home(issuer: IssuerProcess, plan: NativePlan, homes: ScratchHome[]): Promise<ScratchHome> {
  const scratch = makeHome({ issuer: issuer.url, clientId: issuer.clientId, hosts: [GIT_HOST], toleranceSeconds: plan.minValidSeconds, prefix: 'credshare-bench-native-' });
  homes.push(scratch);
  // The issuer's client is confidential for oidc-agent's sake (it always sends HTTP Basic); credshare uses the same client.
  const config = JSON.parse(fs.readFileSync(scratch.paths.config, 'utf8'));
  config.profiles.default.clientSecret = issuer.clientSecret;
  config.profiles.default.tokenEndpointAuthMethod = 'client_secret_basic';
  fs.writeFileSync(scratch.paths.config, JSON.stringify(config, null, 2), { mode: 0o600 });
  scratch.writeSession(sessionFromMinted(await issuer.mint('alice')));
  return scratch;
}

function passwordOf(stdout: string): string | undefined {
  return /^password=(.+)$/m.exec(stdout)?.[1];
}

/** The first call with no agent (client: Node CLI, then an agent started) against today's Node path, alternating. */
async function firstCallFigures(runner: Runner, gitClient: RunnerSubject, gitNode: RunnerSubject, rounds: number, nativeEnv: NodeJS.ProcessEnv): Promise<SubjectFigures[]> {
  const runs: RunnerRun[][] = [[], []];
  for (let round = 0; round < rounds; round++) {
    for (const k of round % 2 === 0 ? [0, 1] : [1, 0]) {
      // No agent, and none starting: the call must find nothing.
      await stopAgentOf(nativeEnv);
      const [[run]] = await runner.alternate([k === 0 ? gitClient : gitNode], 1) as [[RunnerRun]];
      runs[k]!.push(run);
      // The agent the client started must be up (and then stopped) before anything else is measured.
      if (k === 0) await waitForAgentOf(nativeEnv);
    }
  }
  await stopAgentOf(nativeEnv);
  return summarise([gitClient, gitNode], runs);
}

function summarise(subjects: { name: string }[], runs: RunnerRun[][]): SubjectFigures[] {
  return subjects.map((subject, i) => {
    const mine = runs[i]!;
    return {
      name: subject.name,
      runs: mine.length,
      wallP50Ms: median(mine.map((r) => r.wallUs / 1000)),
      cpuMeanMs: mine.reduce((a, r) => a + r.cpuUs, 0) / mine.length / 1000,
      maxRssP50Kb: median(mine.map((r) => r.maxRssKb)),
      failures: mine.filter((r) => r.code !== 0).length,
    };
  });
}

async function stormFigures(runner: Runner, issuer: IssuerProcess, subject: RunnerSubject, n: number, side: StormFigures['side'], daemon: number | undefined, tokenOf: (stdout: string) => string | undefined): Promise<StormFigures> {
  await issuer.resetStats();
  const daemonBefore = daemon === undefined ? undefined : processCpuMs(daemon);
  const storm = await runner.storm(subject, n);
  const daemonAfter = daemon === undefined ? undefined : processCpuMs(daemon);
  const daemonCpuMs = daemonBefore !== undefined && daemonAfter !== undefined ? daemonAfter - daemonBefore : 0;
  const tokens = storm.runs.map((r) => (r.code === 0 ? tokenOf(r.stdout ?? '') : undefined));
  const stats = await issuer.stats();
  return {
    side,
    processes: n,
    wallMs: storm.wallUs / 1000,
    cpuMs: storm.runs.reduce((a, r) => a + r.cpuUs, 0) / 1000 + daemonCpuMs,
    daemonCpuMs,
    refreshRequests: stats.refreshRequests,
    failures: tokens.filter((t) => t === undefined).length,
    distinctTokens: new Set(tokens.filter((t) => t !== undefined)).size,
    firstError: lastLine(storm.runs.find((_run, i) => tokens[i] === undefined)?.stderr),
  };
}

export function lastLine(text: string | undefined): string | undefined {
  return text?.trim().split('\n').filter((l) => !l.startsWith('credshare-client: ')).pop();
}
