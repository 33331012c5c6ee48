import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensurePrivateDir } from '../core/private-files';

/** Quotes a path for /bin/sh. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Writes the `credshare` launcher that terminals find first on PATH: it runs the CLI
 * bundled with the extension on VS Code's own runtime (`ELECTRON_RUN_AS_NODE=1` +
 * `process.execPath`, as VS Code's git extension runs its askpass helper), so terminals
 * work with no Node installed. Returns the directory to put on PATH.
 */
export function writeLauncher(binDir: string, runtime: string, cliScript: string): string {
  ensurePrivateDir(binDir);
  if (process.platform === 'win32') {
    writeIfChanged(path.join(binDir, 'credshare.cmd'),
      `@echo off\r\nrem Written by the credshare VS Code extension: the bundled CLI on VS Code's own runtime.\r\nsetlocal\r\nset ELECTRON_RUN_AS_NODE=1\r\n"${runtime}" "${cliScript}" %*\r\n`);
  } else {
    writeIfChanged(path.join(binDir, 'credshare'), [
      '#!/bin/sh',
      "# Written by the credshare VS Code extension: runs the CLI bundled with the extension on",
      "# VS Code's own runtime, so terminals need no Node of their own. Rewritten on activation.",
      `ELECTRON_RUN_AS_NODE=1 exec ${shellQuote(runtime)} ${shellQuote(cliScript)} "$@"`,
      '',
    ].join('\n'));
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
