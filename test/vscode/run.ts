// `npm run test:vscode`: the extension-host suite in desktop VS Code via @vscode/test-electron.
// VS Code comes from VSCODE_EXECUTABLE, else a download (or test-electron's cache). Where
// neither is possible (no network: these machines), it says so plainly and exits 0; the
// same suite then still runs in code-server as part of `npm run test:e2e`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { buildSuite } from './build-suite';

const repoRoot = path.resolve(import.meta.dirname, '../..');

async function findVsCode(): Promise<{ path?: string; why?: string }> {
  if (process.env.VSCODE_EXECUTABLE) {
    return fs.existsSync(process.env.VSCODE_EXECUTABLE) ? { path: process.env.VSCODE_EXECUTABLE } : { why: `VSCODE_EXECUTABLE=${process.env.VSCODE_EXECUTABLE} does not exist` };
  }
  try {
    const downloaded = await Promise.race([
      downloadAndUnzipVSCode({ version: 'stable', timeout: 15_000 }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 60s')), 60_000).unref()),
    ]);
    return { path: downloaded };
  } catch (error) {
    return { why: `VSCODE_EXECUTABLE is not set and desktop VS Code cannot be downloaded here (${(error as Error).message.split('\n')[0]})` };
  }
}

async function main(): Promise<number> {
  if (!fs.existsSync(path.join(repoRoot, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run `npm run build` first');
  const vscode = await findVsCode();
  if (!vscode.path) {
    console.log(`test:vscode: SKIPPED: ${vscode.why}.`);
    console.log('test:vscode: set VSCODE_EXECUTABLE to a desktop VS Code (1.95 or newer) to run this suite; `npm run test:e2e` runs the same suite in code-server.');
    return 0;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-vscode-test-'));
  const { EmbeddedIssuer } = await import('../../src/issuer/embedded-issuer');
  const issuer = await EmbeddedIssuer.start({ accessTokenTtlSeconds: 3600 });
  try {
    const home = path.join(tmp, 'credshare-home');
    fs.mkdirSync(home, { mode: 0o700 });
    const workspace = path.join(tmp, 'workspace');
    fs.mkdirSync(workspace);
    const results = path.join(tmp, 'results.txt');
    await runTests({
      vscodeExecutablePath: vscode.path,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: await buildSuite(tmp),
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', path.join(tmp, 'user-data')],
      extensionTestsEnv: { CREDSHARE_HOME: home, CREDSHARE_TEST_ISSUER: issuer.url, CREDSHARE_TEST_RESULTS: results },
    });
    console.log(fs.readFileSync(results, 'utf8'));
    return 0;
  } finally {
    await issuer.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then((code) => { process.exitCode = code; }, (error: unknown) => {
  console.error(`test:vscode: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
});
