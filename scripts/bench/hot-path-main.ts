// `npm run bench:hot-path`: figure 1 alone (one process at a time on a fresh token, against
// `node -e 0`), for checking the helper's start-up cost after a change without the whole bench.
import * as path from 'node:path';
import { signedInHomeWithIssuerProcess } from '../../src/demo/signed-in-home';
import { hotPath } from './hot-path';

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 30);
  const env = await signedInHomeWithIssuerProcess({ accessTokenTtlSeconds: 3600, toleranceSeconds: 60, prefix: 'credshare-bench-' });
  try {
    await env.signIn();
    const rows = hotPath(env.home.env, rounds, path.dirname(env.home.paths.home));
    process.stdout.write(`1. hot path, ${rounds} rounds (one process at a time, fresh token)\n`);
    for (const r of rows) {
      process.stdout.write(`| ${r.name.padEnd(38)} | wall p50 ${r.wallP50Ms.toFixed(1).padStart(6)} ms | ${r.wallRatio.toFixed(2)}x | CPU ${r.cpuMeanMs?.toFixed(1) ?? '-'} ms ${r.cpuRatio?.toFixed(2) ?? '-'}x | RSS ${r.rssP50Kb ?? '-'} KiB ${r.rssRatio?.toFixed(2) ?? '-'}x |\n`);
    }
  } finally {
    await env.close();
  }
}

void main();
