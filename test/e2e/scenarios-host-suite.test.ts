// The extension-host suite of `npm run test:vscode` (test/vscode/suite), which needs a desktop
// VS Code for @vscode/test-electron, run here in code-server's extension host instead, with
// the extension loaded from the repository folder (development options). So the suite is
// proven to pass even where test:vscode can only skip.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildSuite } from '../vscode/build-suite';
import { launchBrowser, repoRoot, runExtensionTests, startVsCodeServer, type E2eBrowser, type VsCodeServer } from './harness/index';
import { startIssuer } from './harness/credshare';
import type { EmbeddedIssuer } from '../../src/issuer/embedded-issuer';

describe('the test:vscode extension-host suite, in code-server', { timeout: 5 * 60_000 }, () => {
  let tmp: string;
  let issuer: EmbeddedIssuer;
  let server: VsCodeServer;
  let browser: E2eBrowser;

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'credshare-e2e-host-suite-'));
    ({ issuer } = await startIssuer());
    server = await startVsCodeServer({
      runDir: tmp,
      smokeTestDriver: true,
      env: { CREDSHARE_TEST_ISSUER: issuer.url, CREDSHARE_TEST_RESULTS: path.join(tmp, 'suite-results.txt') },
    });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await issuer?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('passes with the extension loaded from the repository', async () => {
    const result = await runExtensionTests(server, browser, {
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: await buildSuite(tmp),
      timeoutMs: 180_000,
    });
    const report = readFileSync(path.join(tmp, 'suite-results.txt'), 'utf8');
    console.log(report);
    assert.equal(result.passed, true, `${result.error}\n${report}`);
    assert.match(report, /4\/4 passed/);
    await result.window.page.close();
  });
});
