// Builds the two programs that share src/core: the CLI (dist/cli.js, runs with plain
// `node`) and the VS Code extension (dist/extension.js). One options object per entry
// point; `node esbuild.mjs --watch` rebuilds on change. Beside the CLI it writes the two
// helper bins that tools start by name with arguments of their own (HELPER_BINS), and
// (scripts/build-native.mjs) the native client for each platform into dist/native/.
import * as esbuild from 'esbuild';
import { buildNative } from './scripts/build-native.mjs';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: false,
  minify: false,
  legalComments: 'none',
  logLevel: 'warning',
  define: { CREDSHARE_VERSION: JSON.stringify(version) },
};

// The build id (docs/agent-protocol.md, "Build ids"): the version and a hash of the CLI
// bundle itself, so that a native client and an agent from one build, and only those,
// recognise each other. The bundle is built with a placeholder in the id's place, hashed,
// and the placeholder replaced; dist/build-id carries the same id for the Go build and for
// an agent checking whether its installation changed underneath it.
const BUILD_ID_PLACEHOLDER = 'credshare-build-id-placeholder';

async function buildCli(options) {
  const result = await esbuild.build({ ...options, write: false, define: { ...options.define, CREDSHARE_BUILD_ID: JSON.stringify(BUILD_ID_PLACEHOLDER) } });
  const text = result.outputFiles[0].text;
  const id = `${version}+${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
  mkdirSync('dist', { recursive: true });
  writeFileSync(options.outfile, text.split(BUILD_ID_PLACEHOLDER).join(id));
  writeFileSync('dist/build-id', id + '\n');
}

// Node built-ins that only the refresh and sign-in paths use, loaded on first use in the
// CLI. A fresh-token helper call never needs them, yet a bundle requires every imported
// built-in up front: `node:crypto` alone (with the stream modules it pulls in) was ~5 ms,
// close to half of what credshare adds to bare `node` start-up. Each listed export becomes
// a function that requires the module when first called; importing anything not listed
// from these modules fails the build ("No matching export"), so add it here.
const LAZY_BUILTINS = {
  'node:crypto': ['createHash', 'randomBytes'],
  'node:os': ['homedir', 'hostname', 'tmpdir'],
};

function lazyBuiltins(modules) {
  const filter = new RegExp(`^(${Object.keys(modules).join('|')})$`);
  return {
    name: 'lazy-builtins',
    setup(build) {
      // The stand-in module's own require() of the built-in stays external.
      build.onResolve({ filter }, (args) => (args.namespace === 'lazy-builtin' ? { path: args.path, external: true } : { path: args.path, namespace: 'lazy-builtin' }));
      build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
        loader: 'js',
        contents: [
          'let loaded;',
          `const load = () => (loaded ??= require(${JSON.stringify(args.path)}));`,
          ...modules[args.path].map((name) => `export const ${name} = (...args) => load().${name}(...args);`),
        ].join('\n'),
      }));
    },
  };
}

// proper-lockfile does its few lock operations (mkdir, stat, utimes, rmdir) through
// graceful-fs, which retries when a process runs out of file descriptors and, to do so,
// patches fs and loads fs.promises and the stream classes: ~13 ms of start-up for every
// process that finds the token stale, more than the rest of the coordinator together,
// paid a thousand times over in a refresh storm. A credshare process holds a handful of
// descriptors and cannot hit EMFILE, so the CLI bundle gives proper-lockfile plain fs.
const plainFs = {
  name: 'plain-fs-for-proper-lockfile',
  setup(build) {
    build.onResolve({ filter: /^graceful-fs$/ }, () => ({ path: 'node:fs', external: true }));
  },
};

// The extension runs in VS Code's extension host, a process shared by every extension of the
// window: nothing of credshare's may patch what the others use. proper-lockfile pulls in
// graceful-fs (which patches fs: its close/open queue and retries, and fs.promises) and
// signal-exit 3 (which replaces process.emit and process.reallyExit and adds signal
// handlers, at require time). The extension bundle gets plain node:fs instead of
// graceful-fs, and an exit hook on the public 'exit' event instead of signal-exit: locks
// still go on a normal exit, and a crashed host's lock goes stale and heals as any other.
const noPatchingInSharedHost = {
  name: 'no-patching-in-the-shared-extension-host',
  setup(build) {
    build.onResolve({ filter: /^graceful-fs$/ }, () => ({ path: 'node:fs', external: true }));
    build.onResolve({ filter: /^signal-exit$/ }, () => ({ path: 'signal-exit', namespace: 'exit-hook' }));
    build.onLoad({ filter: /.*/, namespace: 'exit-hook' }, () => ({
      loader: 'js',
      contents: [
        'module.exports = (callback) => {',
        "  const listener = () => callback(process.exitCode ?? 0, null);",
        "  process.once('exit', listener);",
        "  return () => process.removeListener('exit', listener);",
        '};',
      ].join('\n'),
    }));
  },
};

const builds = [
  {
    ...common,
    entryPoints: ['src/cli/index.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
    plugins: [lazyBuiltins(LAZY_BUILTINS), plainFs],
  },
];
if (existsSync('src/extension/extension.ts')) {
  builds.push(
    // The entry VS Code loads in every window: the startup gate, a few KB. It requires
    // ./extension-main.js (kept external) only where credshare is used.
    {
      ...common,
      entryPoints: ['src/extension/startup-gate.ts'],
      outfile: 'dist/extension.js',
      external: ['vscode', './extension-main.js'],
    },
    {
      ...common,
      entryPoints: ['src/extension/extension.ts'],
      outfile: 'dist/extension-main.js',
      external: ['vscode'],
      plugins: [noPatchingInSharedHost],
    },
  );
}

// Bazel runs its credential helper with only `get` (it cannot pass arguments), and docker
// finds `docker-credential-<name>` on PATH and passes only the operation: each gets a bin
// that is `credshare helper --protocol P` with the tool's arguments appended. A few lines
// that load dist/cli.js rather than a second bundle: the package stays small and the
// helper starts exactly as fast as `credshare` does. Node resolves the bin symlink npm
// installs, so `./cli.js` is found beside the real file.
const HELPER_BINS = { 'credshare-bazel': 'bazel', 'docker-credential-credshare': 'docker' };

function writeHelperBins() {
  mkdirSync('dist', { recursive: true });
  for (const [name, protocol] of Object.entries(HELPER_BINS)) {
    const file = `dist/${name}.js`;
    writeFileSync(file, [
      '#!/usr/bin/env node',
      `// ${name}: \`credshare helper --protocol ${protocol}\` under the name ${protocol === 'bazel' ? 'Bazel runs' : 'docker looks for'}.`,
      `process.argv.splice(2, 0, 'helper', '--protocol', '${protocol}');`,
      "require('./cli.js');",
      '',
    ].join('\n'));
    chmodSync(file, 0o755);
  }
}

if (watch) {
  writeHelperBins();
  buildNative();
  // Watch builds keep the placeholder: no build id, so no agent ever answers their clients.
  for (const options of builds) await (await esbuild.context({ ...options, define: { ...options.define, CREDSHARE_BUILD_ID: JSON.stringify('dev') } })).watch();
  console.log('esbuild: watching for changes');
} else {
  await Promise.all(builds.map((options) => (options.outfile === 'dist/cli.js' ? buildCli(options) : esbuild.build(options))));
  chmodSync('dist/cli.js', 0o755);
  writeHelperBins();
  // The native client (Go) for every platform, into dist/native/; skipped, with a line
  // saying so, where Go is missing. It reads dist/build-id at run time.
  buildNative();
}
