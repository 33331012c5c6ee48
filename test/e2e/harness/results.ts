// Getting results out of an extension host: the fixture extensions write JSON files to
// <server.outDir>/<extension host pid>/<name>; these helpers wait for them.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Poll `fn` until it returns something other than undefined/false; throw `what` on timeout. */
export async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await sleep(intervalMs);
  }
}

export function resultFile(outDir: string, pid: number, name: string): string {
  return path.join(outDir, String(pid), name);
}

export interface WaitJsonOptions<T> {
  timeoutMs?: number;
  /** Only accept a file modified after this time (ms since epoch): use Date.now() before triggering. */
  newerThan?: number;
  /** Only accept content that satisfies this. */
  where?: (value: T) => boolean;
}

/** Wait until `file` holds JSON that passes the options, and return it. */
export function waitForJson<T>(file: string, opts: WaitJsonOptions<T> = {}): Promise<T> {
  return waitFor(
    `${file}${opts.newerThan ? ` (newer than ${new Date(opts.newerThan).toISOString()})` : ''}`,
    () => {
      let st;
      try {
        st = statSync(file);
      } catch {
        return undefined;
      }
      // mtime has ms resolution here; allow for clock granularity of a few ms
      if (opts.newerThan !== undefined && st.mtimeMs < opts.newerThan - 5) return undefined;
      const value = JSON.parse(readFileSync(file, 'utf8')) as T;
      return !opts.where || opts.where(value) ? value : undefined;
    },
    opts.timeoutMs ?? 30_000,
  );
}

/** All JSON lines of `file` (an events log); [] while it does not exist. */
export function readJsonLines<T>(file: string): T[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/** Wait until `file` holds a JSON line that satisfies `where`, and return that line. */
export function waitForJsonLine<T>(file: string, where: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  return waitFor(`a matching line in ${file}`, () => readJsonLines<T>(file).find(where), timeoutMs);
}
