// Bundles the extension-host suite (suite/index.ts) into one CommonJS file with `vscode`
// external, as extensionTestsPath wants it. Used by run.ts and by the e2e test that runs
// the same suite in code-server.
import * as esbuild from 'esbuild';
import * as path from 'node:path';

export async function buildSuite(outDir: string): Promise<string> {
  const outfile = path.join(outDir, 'suite.js');
  await esbuild.build({
    entryPoints: [path.join(import.meta.dirname, 'suite', 'index.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    logLevel: 'warning',
  });
  return outfile;
}
