import * as fs from 'node:fs';
import * as path from 'node:path';

/** Figure 4, produced by the VS Code end to end (test/e2e/scenarios.test.ts), read here if present. */
export interface WindowsFigures {
  source: string;
  /** When the e2e wrote the file. */
  measuredAt: string;
  refreshRequests?: number;
  msUntilAllWindowsHaveToken?: number;
  windows?: number;
  [field: string]: unknown;
}

export const WINDOWS_RESULTS = path.join('test-results', 'e2e', 'windows.json');

export function readWindowsFigures(repoRoot: string): WindowsFigures | undefined {
  const file = path.join(repoRoot, WINDOWS_RESULTS);
  try {
    const figures = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    return { ...figures, source: WINDOWS_RESULTS, measuredAt: fs.statSync(file).mtime.toISOString() };
  } catch {
    return undefined;
  }
}
