// Builds the native client for every platform the package ships, into
// dist/native/<platform>-<arch>/ (Node's names: linux-x64, darwin-arm64, win32-x64, ...),
// each with `credshare` (`credshare.exe`), and on Linux and macOS the two names tools run
// it by: `credshare-bazel` and `docker-credential-credshare` (the client reads its name:
// `helper --protocol bazel|docker`), copies of the C client on Linux, two-line sh scripts
// beside the Go client on macOS (npm keeps neither symbolic nor hard links in a package).
//
// Two implementations of one client (docs/architecture.md, "The native client"):
// - Linux: C (native/c-client), static, when a C compiler for the target is here (`cc` for
//   this machine's arch, `aarch64-linux-gnu-gcc` / `x86_64-linux-gnu-gcc` for the other;
//   Debian's gcc and gcc-aarch64-linux-gnu with libc6-dev-arm64-cross). A Go program's
//   runtime alone costs a helper call as much as oidc-agent's whole client
//   (docs/bench.md, "A C client on Linux").
// - macOS and Windows, and Linux where no C compiler is: Go, standard library only
//   (native/cmd/credshare-client), cross-compiled from here. CREDSHARE_NATIVE_C=off builds
//   the Go client for Linux too.
// The Go client for this machine also goes to dist/native-go/<platform>-<arch>/ (not
// packaged): the tests run the client tests against both implementations.
//
// Called by esbuild.mjs (`npm run build`); `node scripts/build-native.mjs` runs it alone.
// Without Go it says so and builds nothing: every path then runs the Node CLI, as before.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const source = path.join(root, 'native');
const out = path.join(root, 'dist', 'native');
/** The Go client for this machine, for the tests only, when dist/native has the C one. */
const goOut = path.join(root, 'dist', 'native-go');
const cSource = path.join(source, 'c-client');

/** Node's platform and arch names against Go's. */
export const NATIVE_TARGETS = [
  { platform: 'linux', arch: 'x64', goos: 'linux', goarch: 'amd64' },
  { platform: 'linux', arch: 'arm64', goos: 'linux', goarch: 'arm64' },
  { platform: 'darwin', arch: 'x64', goos: 'darwin', goarch: 'amd64' },
  { platform: 'darwin', arch: 'arm64', goos: 'darwin', goarch: 'arm64' },
  { platform: 'win32', arch: 'x64', goos: 'windows', goarch: 'amd64' },
  { platform: 'win32', arch: 'arm64', goos: 'windows', goarch: 'arm64' },
];

/** The names tools run the client by, and the arguments each name stands for. */
const ALIASES = { 'credshare-bazel': 'helper --protocol bazel', 'docker-credential-credshare': 'helper --protocol docker' };

const MIN_GO = [1, 19];

function goVersion(go) {
  const result = spawnSync(go, ['env', 'GOVERSION'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  const match = /^go(\d+)\.(\d+)/.exec(result.stdout.trim());
  return match ? { text: result.stdout.trim(), major: Number(match[1]), minor: Number(match[2]) } : undefined;
}

/** A hash of the sources and the toolchains: the binaries are rebuilt only when it changes. */
function sourceStamp(go, compilers) {
  const hash = createHash('sha256').update(go.text).update(JSON.stringify(compilers));
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (/\.(go|mod|c|h)$/.test(entry.name)) hash.update(path.relative(source, file)).update('\0').update(readFileSync(file)).update('\0');
    }
  };
  walk(source);
  hash.update(readFileSync(new URL(import.meta.url)));
  return hash.digest('hex');
}

/**
 * The names tools run the client by. Beside the C client (Linux), copies of the binary:
 * an sh script in between costs a shell's start, which doubled a Bazel helper call
 * (docs/bench.md, "A C client on Linux"), for ~0.75 MB each. Beside the Go client
 * (macOS), two-line sh scripts: its binary is larger, and the shell's start a smaller
 * share of a Go call.
 */
function writeAliases(dir, { copies }) {
  for (const [name, args] of Object.entries(ALIASES)) {
    const file = path.join(dir, name);
    if (copies) copyFileSync(path.join(dir, 'credshare'), file);
    else {
      writeFileSync(file, [
        '#!/bin/sh',
        `# ${name}: the credshare native client as \`credshare ${args}\` (tools run this name with arguments of their own).`,
        `exec "\${0%/*}/credshare" ${args} "$@"`,
        '',
      ].join('\n'));
    }
    chmodSync(file, 0o755);
  }
}

/** gcc's names for Node's archs, for the cross compilers (aarch64-linux-gnu-gcc). */
const GCC_ARCH = { x64: 'x86_64', arm64: 'aarch64' };

/**
 * Hardened and static: one file that runs on any Linux (glibc's static-pie keeps ASLR;
 * the client calls nothing that needs NSS). _GNU_SOURCE: SO_PEERCRED's struct ucred, pipe2.
 */
const C_FLAGS = ['-std=c11', '-D_GNU_SOURCE', '-O2', '-Wall', '-Wextra', '-fPIE', '-static-pie', '-fstack-protector-strong', '-D_FORTIFY_SOURCE=2', '-s'];

/** The C compiler for a Linux target, with its version line, or undefined. */
function cCompiler(target) {
  if (target.platform !== 'linux' || process.env.CREDSHARE_NATIVE_C === 'off') return undefined;
  const native = process.platform === 'linux' && process.arch === target.arch;
  const candidates = native ? [process.env.CC, 'cc', 'gcc'] : [`${GCC_ARCH[target.arch]}-linux-gnu-gcc`];
  for (const cc of candidates.filter(Boolean)) {
    const result = spawnSync(cc, ['--version'], { encoding: 'utf8' });
    if (!result.error && result.status === 0) return { cc, version: result.stdout.split('\n')[0] };
  }
  return undefined;
}

function buildC(compiler, binary) {
  const sources = readdirSync(cSource).filter((f) => f.endsWith('.c')).sort();
  const result = spawnSync(compiler.cc, [...C_FLAGS, '-o', binary, ...sources], { cwd: cSource, encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new Error(`native client: ${compiler.cc} (C) failed for ${binary} (CREDSHARE_NATIVE_C=off builds the Go client for Linux instead):\n${result.stderr || result.error?.message}`);
  }
}

function buildGo(go, target, binary) {
  // -trimpath: no build machine paths inside; -s -w: no symbol table or DWARF (a third
  // of the size). CGO_ENABLED=0: one static binary, cross-compiled from anywhere.
  const result = spawnSync(go, ['build', '-trimpath', '-ldflags=-s -w', '-o', binary, './cmd/credshare-client'], {
    cwd: source,
    env: { ...process.env, GOOS: target.goos, GOARCH: target.goarch, CGO_ENABLED: '0' },
    encoding: 'utf8',
  });
  if (result.error || result.status !== 0) {
    throw new Error(`native client: go build for ${target.goos}/${target.goarch} failed:\n${result.stderr || result.error?.message}`);
  }
}

/**
 * Builds what is missing or stale; returns the targets built (empty when Go is missing).
 * `log` gets one line per decision.
 */
export function buildNative({ log = (line) => console.log(line) } = {}) {
  const go = process.env.GO || 'go';
  const version = goVersion(go);
  if (!version) {
    log(`native client: skipped, Go not found ("${go}"; install golang-go, or set GO to the go command). Tools run the Node CLI, as without the client.`);
    return [];
  }
  if (version.major < MIN_GO[0] || (version.major === MIN_GO[0] && version.minor < MIN_GO[1])) {
    log(`native client: skipped, ${version.text} is older than go${MIN_GO.join('.')}. Tools run the Node CLI, as without the client.`);
    return [];
  }
  const compilers = Object.fromEntries(NATIVE_TARGETS.map((t) => [`${t.platform}-${t.arch}`, cCompiler(t)]));
  const stamp = sourceStamp(version, compilers);
  const stampFile = path.join(out, 'stamp');
  const binaryIn = (dir, t) => path.join(dir, `${t.platform}-${t.arch}`, t.platform === 'win32' ? 'credshare.exe' : 'credshare');
  const binary = (t) => binaryIn(out, t);
  const host = NATIVE_TARGETS.find((t) => t.platform === process.platform && t.arch === process.arch);
  const goTwin = host && compilers[`${host.platform}-${host.arch}`] ? host : undefined;
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && NATIVE_TARGETS.every((t) => existsSync(binary(t)))) return NATIVE_TARGETS;
  rmSync(out, { recursive: true, force: true });
  rmSync(goOut, { recursive: true, force: true });
  const started = Date.now();
  const made = [];
  for (const target of NATIVE_TARGETS) {
    const dir = path.dirname(binary(target));
    mkdirSync(dir, { recursive: true });
    const compiler = compilers[`${target.platform}-${target.arch}`];
    if (compiler) buildC(compiler, binary(target));
    else buildGo(go, target, binary(target));
    made.push(`${target.platform}-${target.arch} (${compiler ? `C, ${compiler.cc}` : 'Go'})`);
    if (target.platform !== 'win32') writeAliases(dir, { copies: Boolean(compiler) });
  }
  if (goTwin) {
    // Beside dist/native/, so that its fallback finds ../../cli.js and ../../build-id as the shipped one does.
    mkdirSync(path.dirname(binaryIn(goOut, goTwin)), { recursive: true });
    buildGo(go, goTwin, binaryIn(goOut, goTwin));
    writeAliases(path.dirname(binaryIn(goOut, goTwin)), { copies: false });
    made.push(`the Go client for ${goTwin.platform}-${goTwin.arch} in dist/native-go/ (tests only)`);
  }
  writeFileSync(stampFile, stamp);
  log(`native client: built ${made.join(', ')}; Go is ${version.text}; ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return NATIVE_TARGETS;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) buildNative();
