// Sizes of the extension's bundles, and how long Node takes to load each (require with a
// stand-in `vscode` module; median of fresh processes): what VS Code's "code loading" is.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface BundleSizes {
  /** dist/extension.js: what every window loads at start-up. */
  startupBytes: number;
  /** dist/extension-main.js: loaded where credshare is used. */
  mainBytes: number;
  startupLoadMs: number;
  mainLoadMs: number;
  /** The old single bundle, from the --base .vsix, if given. */
  before?: { bytes: number; loadMs: number; file: string };
}

export function bundleSizes(repoRoot: string, baseVsix?: string): BundleSizes {
  const gate = path.join(repoRoot, 'dist', 'extension.js');
  const main = path.join(repoRoot, 'dist', 'extension-main.js');
  const sizes: BundleSizes = { startupBytes: fs.statSync(gate).size, mainBytes: fs.statSync(main).size, startupLoadMs: loadMs(gate), mainLoadMs: loadMs(main) };
  if (baseVsix) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-base-bundle-'));
    execFileSync('unzip', ['-q', '-o', baseVsix, 'extension/dist/extension.js', '-d', dir]);
    const file = path.join(dir, 'extension', 'dist', 'extension.js');
    sizes.before = { bytes: fs.statSync(file).size, loadMs: loadMs(file), file: path.basename(baseVsix) };
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return sizes;
}

/** Median over 15 fresh Node processes of require(file), with `vscode` stubbed. */
function loadMs(file: string, runs = 15): number {
  const script = `
    const Module = require('node:module');
    const stub = new Proxy(function () {}, { get: (_t, k) => (k === '__esModule' ? false : stub), apply: () => stub, construct: () => stub, getPrototypeOf: () => stub });
    const load = Module._load;
    Module._load = (request, ...rest) => (request === 'vscode' ? stub : load(request, ...rest));
    const t = process.hrtime.bigint();
    require(${JSON.stringify(file)});
    process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })));
  times.sort((a, b) => a - b);
  return Number(times[Math.floor(runs / 2)]!.toFixed(2));
}
