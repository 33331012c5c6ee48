import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CredshareError } from '../../core/errors';

/** The user's home directory for tool configuration: $HOME, as the tools themselves use it. */
export function userHome(env: NodeJS.ProcessEnv): string {
  return env.HOME || os.homedir();
}

/** A file's text, or undefined when it does not exist. */
export function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CredshareError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
  }
}

/**
 * Replaces a tool's configuration file atomically (temp + rename), so a crash never
 * leaves it half written, keeping its mode; a new file gets `newMode`. A symlinked file
 * (dotfile managers) is written through to its target, not replaced by a plain file.
 */
export function writeConfigFile(file: string, text: string, newMode = 0o644): void {
  let target = file;
  try {
    target = fs.realpathSync(file);
  } catch {
    // Does not exist yet.
  }
  fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  let mode = newMode;
  try {
    mode = fs.statSync(target).mode & 0o7777;
  } catch {
    // New file.
  }
  const temp = `${target}.credshare-${process.pid}.tmp`;
  fs.writeFileSync(temp, text, { mode });
  fs.chmodSync(temp, mode);
  fs.renameSync(temp, target);
}
