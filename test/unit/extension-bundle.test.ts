// The extension runs in VS Code's extension host, shared by every extension of a window:
// loading it must patch nothing the others use (fs by graceful-fs, process.emit and
// process.reallyExit by signal-exit), and what every window loads at start-up must stay
// small. Runs against the built bundles (npm run build).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';

const dist = path.resolve(import.meta.dirname, '../../dist');
const gate = path.join(dist, 'extension.js');
const main = path.join(dist, 'extension-main.js');

/** Loads a bundle with a stand-in for the `vscode` module (only what module top levels touch). */
function loadWithoutVscode(file: string): unknown {
  // (The bundle's __toESM builds the namespace on the module's prototype: the stub is its own.)
  const stub: object = new Proxy(function () {}, { get: (_t, key) => (key === '__esModule' ? false : stub), apply: () => stub, construct: () => stub, getPrototypeOf: () => stub });
  const load = (Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown })._load;
  (Module as unknown as { _load: typeof load })._load = (request, ...rest) => (request === 'vscode' ? stub : load(request, ...rest));
  try {
    return require(file);
  } finally {
    (Module as unknown as { _load: typeof load })._load = load;
  }
}

test('the extension bundle holds neither graceful-fs nor signal-exit', { skip: !fs.existsSync(main) && 'run npm run build' }, () => {
  const text = fs.readFileSync(main, 'utf8');
  assert.doesNotMatch(text, /node_modules\/graceful-fs\//);
  assert.doesNotMatch(text, /node_modules\/signal-exit\//);
  assert.match(text, /node_modules\/proper-lockfile\//, 'the lock library is still there, on plain fs');
});

test('loading the extension patches neither fs nor process', { skip: !fs.existsSync(main) && 'run npm run build' }, () => {
  const before = { fs: { ...fs }, close: fs.close, emit: process.emit, reallyExit: (process as unknown as { reallyExit: unknown }).reallyExit, sigterm: process.listenerCount('SIGTERM') };
  const exports = loadWithoutVscode(main) as { activate?: unknown };
  assert.equal(typeof exports.activate, 'function');
  for (const [name, value] of Object.entries(before.fs)) assert.equal((fs as Record<string, unknown>)[name], value, `fs.${name} untouched`);
  assert.equal(process.emit, before.emit, 'process.emit untouched');
  assert.equal((process as unknown as { reallyExit: unknown }).reallyExit, before.reallyExit, 'process.reallyExit untouched');
  assert.equal(process.listenerCount('SIGTERM'), before.sigterm, 'no signal handlers added');
});

test('what every window loads at start-up is the small gate, not the extension', { skip: !fs.existsSync(gate) && 'run npm run build' }, () => {
  const size = fs.statSync(gate).size;
  assert.ok(size < 16 * 1024, `dist/extension.js is ${size} bytes`);
  const text = fs.readFileSync(gate, 'utf8');
  assert.doesNotMatch(text, /proper-lockfile|oauth4webapi/);
  assert.match(text, /require\("\.\/extension-main\.js"\)/);
});
