// `npm run bench:lifetime [-- --cli OLD/dist/cli.js ...] [-- --lifetime S ...] [-- --tolerance S ...]`:
// the lifetime x tolerance matrix of issue 15 (test/integration/lifetime-matrix.test.ts asserts on
// the same cells), as figures: per cell, the refresh requests of a 50-process race on an expired
// token and of the 20 sequential calls after it, for each CLI given (default: this build). Give an
// older build's dist/cli.js with --cli for before/after figures, e.g. a worktree of 60f36d3 built
// with `npm run build` there:
//
//   npm run bench:lifetime -- --cli /work/base-lifetime/dist/cli.js --cli dist/cli.js
//
// Every CLI runs against the same kind of issuer (the embedded oidc-provider in its own process,
// access-token TTL = the lifetime) and the same signed-in home layout; the issuer really issues
// tokens of that lifetime, and each race starts from a token expired in the store.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_TOLERANCE_SECONDS } from '../../src/core/profile';
import { runLifetimeCell, type CellResult } from '../../src/demo/lifetime-cell';
import { GIT_GET, HELPER_GET, TOKEN_JSON, cliPath } from '../../src/demo/race';
import { signedInHomeWithIssuerProcess } from '../../src/demo/signed-in-home';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    cli: { type: 'string', multiple: true }, lifetime: { type: 'string', multiple: true }, tolerance: { type: 'string', multiple: true },
    processes: { type: 'string', default: '50' }, sequential: { type: 'string', default: '20' },
  } });
  const clis = (values.cli ?? [cliPath]).map((p) => path.resolve(p));
  const lifetimes = (values.lifetime ?? ['20', '40', '300', '3600']).map(Number);
  const tolerances = (values.tolerance ?? ['0', '10', String(DEFAULT_TOLERANCE_SECONDS)]).map(Number);
  const processes = Number(values.processes);
  const sequential = Number(values.sequential);
  const rows: string[][] = [];
  for (const lifetime of lifetimes) {
    for (const cli of clis) {
      const env = await signedInHomeWithIssuerProcess({ accessTokenTtlSeconds: lifetime, hosts: ['artifacts.example.com'], prefix: 'credshare-bench-lifetime-' });
      try {
        for (const tolerance of tolerances) {
          const result = await runLifetimeCell(env, { lifetimeSeconds: lifetime, toleranceSeconds: tolerance },
            { processes, sequential, commands: [TOKEN_JSON, HELPER_GET, GIT_GET], argv: [cli] });
          rows.push(row(cli, result));
          process.stderr.write(`${rows.at(-1)!.join(' | ')}\n`);
        }
      } finally {
        await env.close();
      }
    }
  }
  const load = (await import('node:os')).loadavg()[0]!.toFixed(1);
  process.stdout.write(`\nRefresh requests per ${processes}-process race on an expired token, and per ${sequential} sequential calls after it `
    + `(token --json, bazel and git helpers in turn); load average at the end ${load}\n`);
  process.stdout.write(markdown(['lifetime', 'tolerance', 'cli', 'race', 'race wall', `${sequential} sequential`, 'failures', 'refused tokens', 'session'], rows));
}

/** A Markdown table, to paste into a report or docs/bench.md. */
function markdown(headers: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |\n`;
  return line(headers) + line(headers.map(() => '---')) + rows.map(line).join('');
}

function row(cli: string, r: CellResult): string[] {
  const failures = r.race.failures.length + r.sequential.filter((c) => c.code !== 0).length;
  return [
    `${r.cell.lifetimeSeconds} s`, `${r.cell.toleranceSeconds} s`, path.relative(process.cwd(), cli) || cli,
    String(r.race.refreshes), `${(r.race.wallMs / 1000).toFixed(1)} s`, String(r.sequential.reduce((n, c) => n + c.refreshes, 0)),
    String(failures), String(r.refusedTokens), r.alive ? 'alive' : 'LOST',
  ];
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
