// Proves the second way to run code in a real extension host here: VS Code's development
// options (?payload=[["extensionDevelopmentPath",...],["extensionTestsPath",...]]) in
// code-server started with --vscode-option enable-smoke-test-driver. An extension loads from
// its folder (no .vsix) and a @vscode/test-electron style suite's run() passes or fails.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixturesDir, launchBrowser, runExtensionTests, startVsCodeServer, waitForJson, type E2eBrowser, type VsCodeServer } from './harness/index';

describe('e2e harness: extension-host test suites through development options', { timeout: 5 * 60_000 }, () => {
  let tmp: string;
  let server: VsCodeServer;
  let browser: E2eBrowser;

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'credshare-e2e-devmode-'));
    server = await startVsCodeServer({ runDir: tmp, smokeTestDriver: true });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('a passing suite runs in the extension host with the extension loaded from its folder', async () => {
    const r = await runExtensionTests(server, browser, {
      extensionDevelopmentPath: path.join(fixturesDir, 'consumer-extension'),
      extensionTestsPath: path.join(fixturesDir, 'host-suite', 'passing.js'),
    });
    assert.equal(r.passed, true, r.error);
    const out = await waitForJson<{ pid: number; consumerFrom: string; hasGetSessionCommand: boolean; uiKind: string }>(path.join(server.outDir, 'host-suite-passing.json'));
    assert.equal(out.pid, r.pid);
    assert.equal(out.hasGetSessionCommand, true);
    assert.equal(out.uiKind, 'web');
    assert.match(out.consumerFrom, /fixtures\/consumer-extension$/);
    await r.window.page.close();
  });

  it('a failing suite is reported as failed (the extension host still exits 0 in the web workbench)', async () => {
    const r = await runExtensionTests(server, browser, {
      extensionDevelopmentPath: path.join(fixturesDir, 'consumer-extension'),
      extensionTestsPath: path.join(fixturesDir, 'host-suite', 'failing.js'),
    });
    assert.equal(r.passed, false);
    assert.match(r.error ?? '', /fails on purpose/);
    assert.equal(r.exitCode, 0, 'if this changes, VS Code now propagates the suite outcome');
    await r.window.page.close();
  });
});
