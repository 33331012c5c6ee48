// VS Code's development options in the web workbench: load an extension from its folder
// (extensionDevelopmentPath) and run an extension-host test suite (extensionTestsPath: a
// module exporting `run(): Promise<void>`, as for @vscode/test-electron). Needs a server
// started with { smokeTestDriver: true }; otherwise the built workbench ignores ?payload=.
// The suite runs only together with an extensionDevelopmentPath. Its outcome is NOT in the
// extension host's exit code here (the web workbench terminates the host with code 0 either
// way), so the suite is wrapped by a module that writes the outcome to a file.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { E2eBrowser } from './browser';
import type { VsCodeServer } from './server';
import { waitFor } from './results';
import { VsCodeWindow } from './window';

export interface ExtensionTestsOptions {
  /** Absolute folder of the extension under development (its package.json). Required: without
   *  it the workbench does not run extensionTestsPath at all. */
  extensionDevelopmentPath: string;
  /** Absolute path of the suite module (exports run()). */
  extensionTestsPath: string;
  folder?: string;
  timeoutMs?: number;
}

/** Remote URI of a server-side path, as the payload options expect. */
export function remoteUri(server: VsCodeServer, absPath: string): string {
  return `vscode-remote://127.0.0.1:${server.port}${absPath}`;
}

function agentLog(server: VsCodeServer): string {
  const dir = server.logsDir();
  try {
    return dir ? readFileSync(path.join(dir, 'remoteagent.log'), 'utf8') : '';
  } catch {
    return '';
  }
}

export interface ExtensionTestsResult {
  /** run() resolved. */
  passed: boolean;
  /** run()'s rejection (message and stack) when it failed. */
  error?: string;
  /** The extension host's exit code (0 here whether or not the suite passed). */
  exitCode: number;
  pid: number;
  window: VsCodeWindow;
}

let suiteCounter = 0;

/** Open a window that runs an extension-host test suite; resolves when the suite has finished and its extension host has exited. */
export async function runExtensionTests(server: VsCodeServer, b: E2eBrowser, opts: ExtensionTestsOptions): Promise<ExtensionTestsResult> {
  if (!server.smokeTestDriver) throw new Error('runExtensionTests needs startVsCodeServer({ smokeTestDriver: true })');
  const dir = path.join(server.runDir, 'extension-tests');
  mkdirSync(dir, { recursive: true });
  const id = `suite-${process.pid}-${++suiteCounter}`;
  const outcome = path.join(dir, `${id}.outcome.json`);
  const wrapper = path.join(dir, `${id}.js`);
  writeFileSync(
    wrapper,
    `'use strict';
const fs = require('fs');
exports.run = async function run() {
  const write = (o) => fs.writeFileSync(${JSON.stringify(outcome)}, JSON.stringify(o));
  try {
    await require(${JSON.stringify(opts.extensionTestsPath)}).run();
    write({ passed: true, pid: process.pid });
  } catch (err) {
    write({ passed: false, pid: process.pid, error: err && err.stack ? String(err.stack) : String(err) });
    throw err;
  }
};
`,
  );
  const launched = /<(\d+)> Launched Extension Host Process/g;
  const before = new Set([...agentLog(server).matchAll(launched)].map((m) => m[1]));
  const payload: [string, string][] = [
    ['extensionDevelopmentPath', remoteUri(server, opts.extensionDevelopmentPath)],
    ['extensionTestsPath', remoteUri(server, wrapper)],
  ];
  const page = await b.context.newPage();
  await page.goto(server.windowUrl(opts.folder, payload));
  const window = new VsCodeWindow(page, server, 0);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const pid = await waitFor('the test extension host to start', () => [...agentLog(server).matchAll(launched)].map((m) => m[1]).find((p) => !before.has(p)), timeoutMs);
  const result = await waitFor(`the suite ${opts.extensionTestsPath} to finish`, () => {
    try {
      return JSON.parse(readFileSync(outcome, 'utf8')) as { passed: boolean; error?: string };
    } catch {
      return undefined;
    }
  }, timeoutMs, 250);
  const exitCode = await waitFor(`extension host ${pid} to exit`, () => {
    const m = new RegExp(`<${pid}> Extension Host Process exited with code: (\\d+)`).exec(agentLog(server));
    return m ? Number(m[1]) : undefined;
  }, 30_000, 250);
  return { passed: result.passed, error: result.error, exitCode, pid: Number(pid), window };
}
