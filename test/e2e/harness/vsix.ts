// Package an extension folder into a .vsix with @vscode/vsce (the repo's devDependency),
// into a directory of the caller's choosing (never the repo: no .vsix is committed).
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './paths';

const run = promisify(execFile);

export interface PackageOptions {
  /** Include node_modules dependencies (vsce's default). Fixtures and bundled extensions: false. */
  dependencies?: boolean;
  /** Extra vsce arguments, e.g. ['--allow-missing-repository']. */
  extraArgs?: string[];
}

/** Runs `vsce package` in `extensionDir` and returns the path of the .vsix written to `outDir`. */
export async function packageExtension(extensionDir: string, outDir: string, opts: PackageOptions = {}): Promise<string> {
  const manifest = JSON.parse(readFileSync(path.join(extensionDir, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    publisher: string;
  };
  mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, `${manifest.publisher}.${manifest.name}-${manifest.version}.vsix`);
  const vsce = path.join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  const args = [vsce, 'package', '--skip-license', '--out', out, ...(opts.dependencies === false ? ['--no-dependencies'] : []), ...(opts.extraArgs ?? [])];
  try {
    await run(process.execPath, args, { cwd: extensionDir, timeout: 120_000, maxBuffer: 16 << 20 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`vsce package failed in ${extensionDir}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
  return out;
}

/** `publisher.name` of the extension in `extensionDir`, as VS Code identifies it. */
export function extensionId(extensionDir: string): string {
  const m = JSON.parse(readFileSync(path.join(extensionDir, 'package.json'), 'utf8')) as { name: string; publisher: string };
  return `${m.publisher}.${m.name}`;
}
