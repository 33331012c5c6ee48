import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensurePrivateDir } from '../core/private-files';

/** Quotes a path for /bin/sh. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The programs terminals find first on PATH, each `[name, arguments put before the
 * caller's]`: `credshare` itself, and the two helpers tools run by name with arguments
 * of their own, `credshare-bazel` (Bazel passes only `get`) and
 * `docker-credential-credshare` (docker finds it from `"credHelpers": {"HOST": "credshare"}`).
 */
export const LAUNCHERS: readonly (readonly [string, readonly string[]])[] = [
  ['credshare', []],
  ['credshare-bazel', ['helper', '--protocol', 'bazel']],
  ['docker-credential-credshare', ['helper', '--protocol', 'docker']],
];

/**
 * The native client packed beside the bundled CLI (dist/native/<platform>-<arch>/credshare
 * in a platform-specific .vsix), or undefined: the universal .vsix has none, and Windows
 * has no agent for it to ask (v1).
 */
export function bundledClient(cliScript: string): string | undefined {
  if (process.platform === 'win32') return undefined;
  const client = path.join(path.dirname(cliScript), 'native', `${process.platform}-${process.arch}`, 'credshare');
  try {
    fs.accessSync(client, fs.constants.X_OK);
    return client;
  } catch {
    return undefined;
  }
}

/**
 * Writes the launchers that terminals find first on PATH: each runs the CLI bundled with
 * the extension on VS Code's own runtime (`ELECTRON_RUN_AS_NODE=1` + `process.execPath`,
 * as VS Code's git extension runs its askpass helper), so terminals work with no Node
 * installed. Where the extension carries the native client (`bundledClient`), the
 * launchers run it instead, with that runtime as its `CREDSHARE_NODE`: it asks the
 * credshare agent and runs the same CLI on the same runtime when no agent answers.
 * Returns the directory to put on PATH. They keep working outside VS Code only while VS
 * Code and this extension stay installed; `credshare setup` says so when these are the
 * only credshare it finds.
 */
export function writeLauncher(binDir: string, runtime: string, cliScript: string): string {
  ensurePrivateDir(binDir);
  const client = bundledClient(cliScript);
  for (const [name, fixed] of LAUNCHERS) {
    if (client) {
      writeIfChanged(path.join(binDir, name), [
        '#!/bin/sh',
        "# Written by the credshare VS Code extension: runs the native client bundled with the extension,",
        "# which asks the credshare agent, else runs the bundled CLI on VS Code's own runtime, so",
        '# terminals need no Node of their own. Rewritten on activation.',
        `CREDSHARE_NODE=${shellQuote(runtime)} ELECTRON_RUN_AS_NODE=1 exec ${shellQuote(client)}${fixed.map((a) => ` ${a}`).join('')} "$@"`,
        '',
      ].join('\n'));
    } else if (process.platform === 'win32') {
      writeIfChanged(path.join(binDir, `${name}.cmd`),
        `@echo off\r\nrem Written by the credshare VS Code extension: the bundled CLI on VS Code's own runtime.\r\nsetlocal\r\nset ELECTRON_RUN_AS_NODE=1\r\n"${runtime}" "${cliScript}"${fixed.map((a) => ` ${a}`).join('')} %*\r\n`);
    } else {
      writeIfChanged(path.join(binDir, name), [
        '#!/bin/sh',
        "# Written by the credshare VS Code extension: runs the CLI bundled with the extension on",
        "# VS Code's own runtime, so terminals need no Node of their own. Rewritten on activation.",
        `ELECTRON_RUN_AS_NODE=1 exec ${shellQuote(runtime)} ${shellQuote(cliScript)}${fixed.map((a) => ` ${a}`).join('')} "$@"`,
        '',
      ].join('\n'));
    }
  }
  return binDir;
}

/** Several windows write the same launcher: only a changed one is replaced, atomically (temp + rename). */
function writeIfChanged(file: string, content: string): void {
  try {
    if (fs.readFileSync(file, 'utf8') === content) return;
  } catch {
    // Missing: write it.
  }
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, content, { mode: 0o700 });
  fs.renameSync(temp, file);
}
