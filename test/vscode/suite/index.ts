// The extension-host suite (extensionTestsPath): bundled by test/vscode/run.ts and run by
// @vscode/test-electron in desktop VS Code, or by the e2e harness in code-server.
//
// Environment (set by whoever launches VS Code): CREDSHARE_HOME, a throwaway credshare home;
// CREDSHARE_TEST_ISSUER, the embedded issuer (its admin endpoints mint sessions and count
// refresh requests); CREDSHARE_TEST_RESULTS, optional file for the TAP-like output.
import * as fs from 'node:fs';
import { runAll } from './runner';
import './extension.test';

export async function run(): Promise<void> {
  const lines: string[] = [];
  const out = process.env.CREDSHARE_TEST_RESULTS;
  try {
    await runAll((line) => { lines.push(line); console.log(line); });
  } finally {
    if (out) fs.writeFileSync(out, lines.join('\n') + '\n');
  }
}
