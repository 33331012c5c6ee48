import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { repoRoot } from './processes';

/**
 * The fault suite's results, one row per fault (docs/faults.md). Each fault test counts
 * what happened while it ran (tries, sessions lost, calls failed, data lost) and the row is
 * written whether its assertions pass or not; the table is rendered from these rows, never
 * by hand. Rows go to test-results/faults/<test file>.json (one per fault,
 * merged by id) and docs/faults.{json,md} are re-rendered from all of them after every row.
 */
export interface FaultRow {
  /** Stable key, e.g. "issuer/down". */
  id: string;
  area: Area;
  fault: string;
  /** What the test asserts. */
  expected: string;
  tries: number;
  sessionsLost: number;
  callsFailed: number;
  dataLost: number;
  result: 'as expected' | 'FAILED' | 'skipped';
  /** Measurements, the assertion that failed, or why it was skipped. */
  notes: string;
  suite: 'npm test' | 'npm run test:faults' | 'not run here';
  file: string;
  at: string;
}

export const AREAS = ['refresh crash', 'issuer', 'store', 'lock', 'load', 'helper input', 'secrets', 'extension', 'security', 'agent'] as const;
export type Area = (typeof AREAS)[number];

/** What a fault test counts while it runs. */
export interface Tally {
  tries: number;
  sessionsLost: number;
  callsFailed: number;
  dataLost: number;
  /** Counts finished CLI calls: each one a try, each non-zero exit a failed call. */
  calls(...results: { code: number | null }[]): void;
  note(text: string): void;
}

export const resultsDir = path.join(repoRoot, 'test-results', 'faults');
const docsJson = path.join(repoRoot, 'docs', 'faults.json');
const docsMd = path.join(repoRoot, 'docs', 'faults.md');

/**
 * Runs one fault: `body` injects it, asserts the expected outcome and counts into the tally.
 * The row is recorded either way; a failure is rethrown so the test fails too.
 */
export async function fault(
  meta: { id: string; area: Area; fault: string; expected: string; file: string },
  body: (tally: Tally) => Promise<void>,
): Promise<void> {
  const notes: string[] = [];
  const tally: Tally = {
    tries: 0, sessionsLost: 0, callsFailed: 0, dataLost: 0,
    calls(...results) {
      this.tries += results.length;
      this.callsFailed += results.filter((r) => r.code !== 0).length;
    },
    note: (text) => { notes.push(text); },
  };
  try {
    await body(tally);
    record({ ...meta, ...counts(tally), result: 'as expected', notes: notes.join('; ') });
  } catch (error) {
    const message = String((error as Error)?.message ?? error).split('\n')[0]!;
    record({ ...meta, ...counts(tally), result: 'FAILED', notes: [...notes, `assertion: ${message}`].join('; ') });
    throw error;
  }
}

/** A fault that cannot be injected here: recorded as skipped with the reason. */
export function skippedFault(meta: { id: string; area: Area; fault: string; expected: string; file: string }, reason: string): void {
  record({ ...meta, tries: 0, sessionsLost: 0, callsFailed: 0, dataLost: 0, result: 'skipped', notes: reason });
}

function counts(tally: Tally): Pick<FaultRow, 'tries' | 'sessionsLost' | 'callsFailed' | 'dataLost'> {
  return { tries: tally.tries, sessionsLost: tally.sessionsLost, callsFailed: tally.callsFailed, dataLost: tally.dataLost };
}

function record(row: Omit<FaultRow, 'suite' | 'at'>): void {
  const base = path.basename(row.file);
  const full: FaultRow = { ...row, file: path.relative(repoRoot, row.file), suite: base.endsWith('.slow.test.ts') ? 'npm run test:faults' : 'npm test', at: new Date().toISOString() };
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${base.replace(/\.test\.ts$/, '')}.json`);
  // Merged by id, so that running one test (--test-name-pattern) keeps the others' rows.
  const rows: FaultRow[] = readRows(file);
  const index = rows.findIndex((r) => r.id === full.id);
  if (index >= 0) rows[index] = full; else rows.push(full);
  writeAtomic(file, JSON.stringify(rows, null, 2) + '\n');
  renderDocs();
}

function readRows(file: string): FaultRow[] {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as FaultRow[];
  } catch {
    return [];
  }
}

/** Rows that no test here can produce: they belong to another part of the project. */
const FOREIGN_ROWS: FaultRow[] = [{
  id: 'extension/ipc-and-terminal-secrets',
  area: 'extension',
  fault: 'IPC socket without the window nonce or from another user; token in the log channel, terminal environment, persisted environment collection, ps output, error messages',
  expected: 'refused; no token anywhere',
  tries: 0, sessionsLost: 0, callsFailed: 0, dataLost: 0,
  result: 'skipped',
  notes: 'owned by the VS Code extension engineer (test/e2e, test/unit/extension-*); not part of this suite',
  suite: 'not run here',
  file: 'test/e2e',
  at: '',
}];

/** Renders docs/faults.json and docs/faults.md from every results file. */
export function renderDocs(): void {
  const rows: FaultRow[] = [];
  // Fast results first, then slow, each in the order its tests ran.
  const files = fs.existsSync(resultsDir) ? fs.readdirSync(resultsDir) : [];
  files.sort((a, b) => Number(a.includes('.slow')) - Number(b.includes('.slow')) || a.localeCompare(b));
  for (const name of files) {
    if (name.endsWith('.json')) rows.push(...readRows(path.join(resultsDir, name)));
  }
  rows.push(...FOREIGN_ROWS);
  rows.sort((a, b) => AREAS.indexOf(a.area) - AREAS.indexOf(b.area));
  const totals = rows.reduce((t, r) => ({
    tries: t.tries + r.tries, sessionsLost: t.sessionsLost + r.sessionsLost, callsFailed: t.callsFailed + r.callsFailed, dataLost: t.dataLost + r.dataLost,
  }), { tries: 0, sessionsLost: 0, callsFailed: 0, dataLost: 0 });
  const failed = rows.filter((r) => r.result === 'FAILED').length;
  const generated = { generatedBy: 'test/support/fault-report.ts', commit: gitCommit(), node: process.version, platform: `${process.platform} ${process.arch}` };
  fs.mkdirSync(path.dirname(docsJson), { recursive: true });
  writeAtomic(docsJson, JSON.stringify({ ...generated, totals, failed, rows }, null, 2) + '\n');
  const cell = (text: string | number) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    '# Fault suite results',
    '',
    '<!-- Generated by the fault tests (test/support/fault-report.ts) from test-results/faults/*.json. Do not edit by hand: run `npm test` and `npm run test:faults`. -->',
    '',
    `Every fault the suite injects, how often, and what it cost. **Sessions lost**: sessions the issuer no longer accepts (or the store no longer holds) after the fault; **calls failed**: credshare invocations that exited non-zero; **data lost**: files credshare overwrote, corrupted or left readable to others. A non-zero count is listed under "expected" when the fault makes it inevitable (e.g. the issuer is down: the call must fail).`,
    '',
    `Totals: ${rows.length} faults, ${totals.tries} tries, ${totals.sessionsLost} sessions lost, ${totals.callsFailed} calls failed, ${totals.dataLost} data lost; `
      + (failed === 0 ? 'every fault as expected: each session lost and call failed above is one its fault makes inevitable, and the test asserts exactly that.' : `**${failed} not as expected**.`),
    '',
    '| Area | Fault | Tries | Sessions lost | Calls failed | Data lost | Expected (asserted) | Result | Notes | Run by |',
    '|---|---|---:|---:|---:|---:|---|---|---|---|',
    ...rows.map((r) => `| ${cell(r.area)} | ${cell(r.fault)} | ${r.tries} | ${r.sessionsLost} | ${r.callsFailed} | ${r.dataLost} | ${cell(r.expected)} | ${r.result === 'FAILED' ? '**FAILED**' : r.result} | ${cell(r.notes)} | ${cell(r.suite)} |`),
    '',
    ...crashWindowSection(rows.find((r) => r.id === 'crash/window')),
    ...notTestedSection,
    '',
    `Generated from commit ${generated.commit} on Node ${generated.node}, ${generated.platform}.`,
    '',
  ];
  writeAtomic(docsMd, lines.join('\n'));
}

/** The crash window, from the measurement row when the slow suite has run. */
function crashWindowSection(row: FaultRow | undefined): string[] {
  return [
    '## The crash window',
    '',
    'A SIGKILL loses the session only between the moment the issuer redeems the refresh token and the moment its successor is renamed into credentials.json: '
      + 'the kills at "in-flight, processed after the kill", "answered" and "writing" above. Nothing client-side can close it (the rotated token exists only in the answer), '
      + 'so credshare keeps its own part as short as it goes: the temp file and its disk space are reserved before the request, the answer is written first '
      + '(validation problems, logging and the outcome record come after), and what remains is one write, fsync and rename.',
    '',
    row ? `Measured (${row.tries} refreshes, ${row.suite}): ${row.notes}.` : 'Measured by `npm run test:faults` (row "width of the window"); not run yet on this machine.',
    '',
  ];
}

const notTestedSection = [
  '## Not tested here',
  '',
  '- The VS Code extension\'s IPC socket and terminal environment: the extension\'s own tests (row "extension").',
  '- Power loss: a container cannot lose power. Writes are temp file, fsync, rename, directory fsync; a SIGKILL during the write (row "writing") leaves the old or the new file, never a torn one.',
  '- A real suspend/resume or a system clock step: changing the clock would disturb everything else on the machine. Simulated by SIGSTOP/SIGCONT of the holder past the stale period (others keep running) and by one process whose clock runs 2 h ahead.',
  '- Network home directories (NFS) and other operating systems: Linux on a local ext4 and tmpfs only.',
  '- Disk quotas (EDQUOT): no quota tools here; a full tmpfs (ENOSPC) takes the same code path.',
  '- Issuers that tolerate refresh-token reuse for a grace period: the embedded issuer revokes on the first reuse, the strictest case.',
  '- Another user reading the files: the tests run as root, so permissions are checked by their mode bits, not by a second account.',
  '',
];

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function writeAtomic(file: string, content: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, content);
  fs.renameSync(temp, file);
}

/** Which run a fault case belongs to: `npm test` (fast) or `npm run test:faults` (slow). */
export type Suite = 'fast' | 'slow';

type TestFn = (name: string, options: { timeout?: number }, fn: (t: import('node:test').TestContext) => Promise<void>) => void;

/**
 * The fault cases of an area live in one module (test/faults/<area>.ts) that both runs
 * register from: test/integration/faults-<area>.test.ts the fast cases, and
 * test/faults/<area>.slow.test.ts the rest. `casesFor(suite, test)` returns `test` for the cases
 * of this run and a no-op for the others.
 */
export function casesFor(suite: Suite, test: TestFn): { fast: TestFn; slow: TestFn } {
  const skip: TestFn = () => undefined;
  return { fast: suite === 'fast' ? test : skip, slow: suite === 'slow' ? test : skip };
}
