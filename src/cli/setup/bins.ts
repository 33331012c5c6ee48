import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CredshareError } from '../../core/errors';

/** The three programs tools are pointed at, as absolute paths, and where they come from. */
export interface CredshareBins {
  credshare: string;
  bazel: string;
  docker: string;
  /** Said to the user when these programs only work under a condition. */
  caveat?: string;
  /**
   * The directory of the native client these bins come with, when `credshare` and `bazel`
   * above are it (dist/native/<platform>-<arch>/ of the package): tools then run a small
   * compiled program that asks the credshare agent, instead of starting Node per call.
   */
  native?: string;
}

/** The mark the VS Code extension writes into its terminal launchers (src/extension/launcher.ts). */
export const VSCODE_LAUNCHER_MARK = 'Written by the credshare VS Code extension';

const NAMES = { credshare: 'credshare', bazel: 'credshare-bazel', docker: 'docker-credential-credshare' } as const;

/**
 * Which credshare tools should run, outside this shell and outside VS Code. Absolute
 * paths, so a tool finds them whatever its PATH (Bazel and IDEs often start with a bare
 * one): first a credshare installed on PATH (npm install -g, or any directory holding the
 * three bins), else the files this CLI runs from when run by plain `node`, else the VS
 * Code extension's launchers, which work only while VS Code and the extension are
 * installed: then the caveat says so.
 */
export function resolveBins(env: NodeJS.ProcessEnv, script = process.argv[1] ?? ''): CredshareBins {
  return withNativeClient(resolveNodeBins(env, script), env);
}

function resolveNodeBins(env: NodeJS.ProcessEnv, script: string): CredshareBins {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  for (const dir of dirs) {
    const bins = binsIn(dir);
    if (bins && !isVsCodeLauncher(bins.credshare)) return bins;
  }
  // A clone or a copy run as `node .../dist/cli.js`: its siblings are the helper bins.
  if (!process.versions.electron && script) {
    const real = safeRealpath(script);
    const dist = real && path.dirname(real);
    if (dist && isExecutable(path.join(dist, 'credshare-bazel.js'))) {
      return { credshare: real, bazel: path.join(dist, 'credshare-bazel.js'), docker: path.join(dist, 'docker-credential-credshare.js') };
    }
  }
  for (const dir of dirs) {
    const bins = binsIn(dir);
    if (bins) {
      return {
        ...bins,
        caveat: 'These are the VS Code extension\'s launchers: they run the CLI bundled with the extension on VS Code\'s own runtime, so they work while VS Code and the extension stay installed, and outside VS Code they read the shared credshare home (a window that keeps tokens in SecretStorage cannot answer them). For a credshare of its own, install the CLI (`npm install -g credshare-<version>.tgz`) and run `credshare setup` again.',
      };
    }
  }
  throw new CredshareError('Cannot find the credshare programs (credshare, credshare-bazel, docker-credential-credshare) on PATH or beside this CLI. Install the package (`npm install -g credshare-<version>.tgz`) and run `credshare setup` again.');
}

function binsIn(dir: string): CredshareBins | undefined {
  const bins = { credshare: path.join(dir, NAMES.credshare), bazel: path.join(dir, NAMES.bazel), docker: path.join(dir, NAMES.docker) };
  return isExecutable(bins.credshare) && isExecutable(bins.bazel) && isExecutable(bins.docker) ? bins : undefined;
}

function isVsCodeLauncher(file: string): boolean {
  try {
    return fs.readFileSync(file, { encoding: 'utf8', flag: 'r' }).slice(0, 400).includes(VSCODE_LAUNCHER_MARK);
  } catch {
    return false;
  }
}

/** Whether `file` is a regular file (after symlinks) this user may execute. */
export function isExecutable(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first directory on PATH holding an executable `name`, or undefined. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  return (env.PATH ?? '').split(path.delimiter).filter((d) => d !== '').map((d) => path.join(d, name)).find(isExecutable);
}

function safeRealpath(file: string): string | undefined {
  try {
    return fs.realpathSync(file);
  } catch {
    return undefined;
  }
}

/** The native client's directory for this machine, as the build and the package lay it out. */
export function nativeDirName(platform: string = process.platform, arch: string = process.arch): string {
  return `${platform}-${arch}`;
}

/**
 * The bins with the native client in place of `credshare` and `credshare-bazel`, where the
 * package they come from carries one for this machine and it runs; else the bins as they
 * are. docker keeps the `docker-credential-credshare` it finds on PATH (it looks the name
 * up itself). Not on Windows, where there is no agent for the client to ask (v1), nor
 * with CREDSHARE_NATIVE=off.
 */
function withNativeClient(bins: CredshareBins, env: NodeJS.ProcessEnv): CredshareBins {
  if (process.platform === 'win32' || env.CREDSHARE_NATIVE === 'off') return bins;
  const dir = nativeDirFor(bins.credshare);
  if (!dir) return bins;
  const client = path.join(dir, 'credshare');
  const bazel = path.join(dir, 'credshare-bazel');
  if (!isExecutable(client) || !isExecutable(bazel) || !clientRuns(client, env)) return bins;
  return { ...bins, credshare: client, bazel, native: dir };
}

/**
 * Where the native client sits for the credshare at `file`: beside the bundle
 * (dist/cli.js → dist/native/<platform>-<arch>/), or `file` is the client itself (its
 * directory put on PATH).
 */
function nativeDirFor(file: string): string | undefined {
  const real = safeRealpath(file);
  if (!real) return undefined;
  const dir = path.dirname(real);
  if (path.basename(dir) === nativeDirName() && path.basename(path.dirname(dir)) === 'native') return dir;
  if (path.basename(real) !== 'cli.js') return undefined;
  return path.join(dir, 'native', nativeDirName());
}

/**
 * Whether the client runs here and reaches its CLI (a binary for another system, a
 * mount without exec, no `node` to fall back to would each fail): `--version` with the
 * agent off, so the check starts nothing.
 */
function clientRuns(client: string, env: NodeJS.ProcessEnv): boolean {
  const result = spawnSync(client, ['--version'], { env: { ...env, CREDSHARE_AGENT: 'off' }, encoding: 'utf8', timeout: 10_000 });
  return result.status === 0 && /^\d+\.\d+\.\d+/.test(result.stdout);
}
