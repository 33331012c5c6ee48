// Builds the native client (native/, Go standard library only) for every platform the
// package ships, into dist/native/<platform>-<arch>/ (Node's names: linux-x64,
// darwin-arm64, win32-x64, ...), each with `credshare` (`credshare.exe`), and on Linux and
// macOS the two names tools run it by: `credshare-bazel` and `docker-credential-credshare`,
// two-line sh scripts that run `credshare helper --protocol bazel|docker` (npm keeps
// neither symbolic nor hard links in a package, and a copy would triple its size).
// Called by esbuild.mjs (`npm run build`); `node scripts/build-native.mjs` runs it alone.
// Without Go it says so and builds nothing: every path then runs the Node CLI, as before.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const source = path.join(root, 'native');
const out = path.join(root, 'dist', 'native');

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

/** A hash of the Go sources and the toolchain: the binaries are rebuilt only when it changes. */
function sourceStamp(go) {
  const hash = createHash('sha256').update(go.text);
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (/\.(go|mod)$/.test(entry.name)) hash.update(path.relative(source, file)).update('\0').update(readFileSync(file)).update('\0');
    }
  };
  walk(source);
  hash.update(readFileSync(new URL(import.meta.url)));
  return hash.digest('hex');
}

function writeAliases(dir) {
  for (const [name, args] of Object.entries(ALIASES)) {
    const file = path.join(dir, name);
    writeFileSync(file, [
      '#!/bin/sh',
      `# ${name}: the credshare native client as \`credshare ${args}\` (tools run this name with arguments of their own).`,
      `exec "\${0%/*}/credshare" ${args} "$@"`,
      '',
    ].join('\n'));
    chmodSync(file, 0o755);
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
  const stamp = sourceStamp(version);
  const stampFile = path.join(out, 'stamp');
  const binary = (t) => path.join(out, `${t.platform}-${t.arch}`, t.platform === 'win32' ? 'credshare.exe' : 'credshare');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && NATIVE_TARGETS.every((t) => existsSync(binary(t)))) return NATIVE_TARGETS;
  rmSync(out, { recursive: true, force: true });
  const started = Date.now();
  for (const target of NATIVE_TARGETS) {
    const dir = path.dirname(binary(target));
    mkdirSync(dir, { recursive: true });
    // -trimpath: no build machine paths inside; -s -w: no symbol table or DWARF (a third
    // of the size). CGO_ENABLED=0: one static binary, cross-compiled from anywhere.
    const result = spawnSync(go, ['build', '-trimpath', '-ldflags=-s -w', '-o', binary(target), './cmd/credshare-client'], {
      cwd: source,
      env: { ...process.env, GOOS: target.goos, GOARCH: target.goarch, CGO_ENABLED: '0' },
      encoding: 'utf8',
    });
    if (result.error || result.status !== 0) {
      throw new Error(`native client: go build for ${target.goos}/${target.goarch} failed:\n${result.stderr || result.error?.message}`);
    }
    if (target.platform !== 'win32') writeAliases(dir);
  }
  writeFileSync(stampFile, stamp);
  log(`native client: built for ${NATIVE_TARGETS.map((t) => `${t.platform}-${t.arch}`).join(', ')} with ${version.text} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return NATIVE_TARGETS;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) buildNative();
