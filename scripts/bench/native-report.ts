import { renderTable, styleFor, type Cell } from '../../src/demo/table';
import type { NativeReport, StormFigures, SubjectFigures } from './native';

export interface NativeTarget {
  target: string;
  measured: string;
  met: boolean;
}

const byName = (rows: SubjectFigures[], prefix: string) => rows.find((r) => r.name.startsWith(prefix));
const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? a / b : undefined);
const x = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(2)}x`);

/** Issue 18's targets against this run's figures (all ratios from this one run). */
export function nativeTargets(report: NativeReport): NativeTarget[] {
  const targets: NativeTarget[] = [];
  const client = byName(report.hot, 'credshare (native');
  const peer = byName(report.hot, 'oidc-agent');
  const truth = byName(report.hot, '/bin/true');
  if (client) {
    const vsPeer = ratio(client.wallP50Ms, peer?.wallP50Ms);
    targets.push({ target: 'fresh token, one call: median <= 1.5x oidc-token', measured: x(vsPeer), met: vsPeer !== undefined && vsPeer <= 1.5 });
    const vsTrue = ratio(client.wallP50Ms, truth?.wallP50Ms);
    targets.push({ target: 'fresh token, one call: median <= 3x /bin/true', measured: x(vsTrue), met: vsTrue !== undefined && vsTrue <= 3 });
    targets.push({ target: 'client max RSS <= 5 MB', measured: `${(client.maxRssP50Kb / 1024).toFixed(1)} MB`, met: client.maxRssP50Kb <= 5 * 1024 });
  }
  for (const n of [...new Set(report.storms.map((s) => s.processes))]) {
    const ours = report.storms.find((s) => s.processes === n && s.side.startsWith('credshare (native'));
    const theirs = report.storms.find((s) => s.processes === n && s.side === 'oidc-agent');
    if (!ours) continue;
    targets.push({ target: `N=${n} stale token: exactly 1 refresh, 0 failures`, measured: `${ours.refreshRequests} refresh, ${ours.failures} failed`, met: ours.refreshRequests === 1 && ours.failures === 0 && ours.distinctTokens === 1 });
    const wall = ratio(ours.wallMs, theirs?.wallMs);
    const cpu = ratio(ours.cpuMs, theirs?.cpuMs);
    targets.push({ target: `N=${n}: wall and CPU <= 1.5x oidc-agent's`, measured: `wall ${x(wall)}, CPU ${x(cpu)}`, met: wall !== undefined && cpu !== undefined && wall <= 1.5 && cpu <= 1.5 });
  }
  const first = byName(report.firstCall, 'credshare (native');
  const today = byName(report.firstCall, 'credshare today');
  if (first && today) {
    const r = ratio(first.wallP50Ms, today.wallP50Ms);
    targets.push({ target: 'first call with no agent: <= 1.2x today\'s Node path', measured: x(r), met: r !== undefined && r <= 1.2 });
  }
  if (report.firstCallStorm) {
    const s = report.firstCallStorm;
    targets.push({ target: `${s.processes} first calls at once: all answered, one agent`, measured: `${s.failures} failed, ${s.agentsServing} agent (${s.agentStarts} start${s.agentStarts === 1 ? '' : 's'})`, met: s.failures === 0 && s.agentsServing === 1 });
  }
  return targets;
}

export function printNativeReport(report: NativeReport, out: NodeJS.WriteStream): void {
  const style = styleFor(out);
  if (report.skipped) { out.write(`\nnative client figures skipped: ${report.skipped}\n`); return; }
  if (report.peer) out.write(`\n${report.peer}\n`);
  const truth = byName(report.hot, '/bin/true');
  const subjects = (rows: SubjectFigures[], base?: SubjectFigures): Cell[][] => rows.map((r) => [
    r.name, String(r.runs), r.wallP50Ms.toFixed(2), base ? x(ratio(r.wallP50Ms, base.wallP50Ms)) : '', r.cpuMeanMs.toFixed(2), (r.maxRssP50Kb / 1024).toFixed(1), String(r.failures),
  ]);
  const subjectColumns = [{ header: 'subject' }, { header: 'runs', align: 'right' as const }, { header: 'wall p50 ms', align: 'right' as const }, { header: 'vs first row', align: 'right' as const }, { header: 'CPU ms (mean)', align: 'right' as const }, { header: 'max RSS MB', align: 'right' as const }, { header: 'failed', align: 'right' as const }];
  out.write('\n7. native client: one call on a fresh token (git helper get; runs alternate)\n');
  out.write(renderTable(subjectColumns, subjects(report.hot, truth), style));
  out.write('\n8. native client: the first call with no agent, against today\'s Node path (alternating)\n');
  out.write(renderTable(subjectColumns, subjects(report.firstCall, byName(report.firstCall, 'credshare today')), style));
  out.write('\n9. stale-token storms: N git helper calls at once (credshare, oidc-agent alternating; today\'s path beside)\n');
  const storms: Cell[][] = report.storms.map((s: StormFigures) => [
    String(s.processes), s.side, (s.wallMs / 1000).toFixed(2), (s.cpuMs / 1000).toFixed(2), (s.daemonCpuMs / 1000).toFixed(2), String(s.refreshRequests), String(s.failures), String(s.distinctTokens),
  ]);
  out.write(renderTable([{ header: 'N', align: 'right' }, { header: 'side' }, { header: 'wall s', align: 'right' }, { header: 'CPU s (all)', align: 'right' }, { header: 'of it daemon s', align: 'right' }, { header: 'refresh', align: 'right' }, { header: 'failed', align: 'right' }, { header: 'tokens', align: 'right' }], storms, style));
  if (report.firstCallStorm) {
    const s = report.firstCallStorm;
    out.write(`\n10. ${s.processes} first calls at once, no agent: ${(s.wallMs / 1000).toFixed(2)} s, ${s.failures} failed, ${s.agentStarts} agent start(s), ${s.agentsServing} agent serving afterwards\n`);
    if (s.firstError) out.write(`    first failure: ${s.firstError}\n`);
  }
  for (const s of report.storms.filter((r) => r.firstError)) out.write(`    N=${s.processes} ${s.side}, first failure: ${s.firstError}\n`);
  out.write('\nnative client targets (issue 18)\n');
  out.write(renderTable([{ header: 'target' }, { header: 'measured' }, { header: 'met' }], nativeTargets(report).map((t) => [t.target, t.measured, t.met ? { text: 'yes', tone: 'good' } : { text: 'NO', tone: 'bad' }]), style));
}
