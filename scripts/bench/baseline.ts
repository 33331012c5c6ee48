import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Another commit's CLI, built for the bench to race beside this one. */
export interface BaselineBuild {
  commit: string;
  /** Its dist/cli.js. */
  cli: string;
  remove(): void;
}

/**
 * Builds `commit` in a temporary git worktree (its node_modules a link to this checkout's,
 * so nothing is installed) and returns its CLI. Why build it rather than quote figures
 * recorded at that commit: storm figures move with the machine and its load (the same build
 * measured 1.2x to 1.3x expired / fresh CPU from one hour to the next on a shared machine),
 * so only runs of both builds on the same machine, alternated within one bench run, compare
 * the code and not the day. Undefined, with the reason printed, where it cannot be built
 * (not a git checkout, the commit unknown).
 */
export function buildBaseline(repoRoot: string, commit: string, say: (line: string) => void): BaselineBuild | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-bench-baseline-'));
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    git('worktree', 'add', '--detach', dir, commit);
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    say(`baseline ${commit}: not built (${String((error as { stderr?: string }).stderr ?? error).trim().split('\n').pop()}); the comparison is left out`);
    return undefined;
  }
  const remove = (): void => {
    try {
      git('worktree', 'remove', '--force', dir);
    } catch {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'));
    execFileSync(process.execPath, ['esbuild.mjs'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    return { commit: git('rev-parse', '--short', commit).trim(), cli: path.join(dir, 'dist', 'cli.js'), remove };
  } catch (error) {
    remove();
    say(`baseline ${commit}: build failed (${String(error).split('\n')[0]}); the comparison is left out`);
    return undefined;
  }
}
