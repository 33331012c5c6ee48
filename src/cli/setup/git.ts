import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { CredshareError } from '../../core/errors';
import { splitHostEntry } from '../protocols/host-match';
import { userHome } from './files';
import { shellWord, type SetupRequest } from './request';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * git: `credential.<url>.helper` in the global config (`git config --global`, which honours
 * GIT_CONFIG_GLOBAL), one key per host, as `gh auth setup-git` does: an empty value first,
 * which tells git to forget the helpers configured more generally (a system keychain would
 * otherwise be asked first and answer with a stale password), then credshare. A key that
 * already has helpers of the user's keeps them; credshare is added after them. --undo
 * removes credshare's value, and the empty one when nothing else is left beside it.
 */
export function setupGit(request: SetupRequest): void {
  const { profile, bins, profileArgs, undo, say, ctx } = request;
  const file = ctx.env.GIT_CONFIG_GLOBAL || path.join(userHome(ctx.env), '.gitconfig');
  const helper = `!${shellWord(bins.credshare)} helper --protocol git${profileArgs.map((a) => ` ${shellWord(a)}`).join('')}`;
  const git = (...args: string[]) => runGit(ctx.env, args);
  let changed = 0;
  for (const host of profile.hosts) {
    const key = `credential.${LOOPBACK.has(splitHostEntry(host).host) ? 'http' : 'https'}://${host}.helper`;
    const values = getAll(git, key);
    if (!undo) {
      if (values.includes(helper)) { say(`git: ${key} already runs credshare; unchanged`); continue; }
      if (values.length === 0) git('config', '--global', '--add', key, '');
      git('config', '--global', '--add', key, helper);
      changed++;
      say(values.length === 0
        ? `git: ${file}: added ${key} = "" (forget other helpers for this URL) and ${key} = ${helper}`
        : `git: ${file}: added ${key} = ${helper}, after the helpers already there (${values.map((v) => JSON.stringify(v)).join(', ')}), which git asks first`);
    } else {
      if (!values.includes(helper)) { say(`git: ${key} does not run credshare; unchanged`); continue; }
      git('config', '--global', '--unset-all', key, `^${escapeRegex(helper)}$`);
      const left = getAll(git, key);
      const alsoEmpty = left.length === 1 && left[0] === '';
      if (alsoEmpty) git('config', '--global', '--unset-all', key, '^$');
      changed++;
      say(`git: ${file}: removed ${key} = ${helper}${alsoEmpty ? ' and the empty value before it' : ''}`);
    }
  }
  if (profile.hosts.length === 0) say(`git: profile "${profile.name}" has no hosts; nothing to set up`);
  else if (changed === 0) say('git: nothing changed');
}

type Git = (...args: string[]) => { status: number | null; stdout: string; stderr: string };

function runGit(env: NodeJS.ProcessEnv, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('git', args, { env, encoding: 'utf8' });
  if (result.error) throw new CredshareError(`cannot run git (${(result.error as NodeJS.ErrnoException).code ?? result.error.message}); install git or put it on PATH.`);
  // `--get-all` exits 1 when the key is not set: an answer, not a failure.
  if (result.status !== 0 && !(args.includes('--get-all') && result.status === 1)) {
    throw new CredshareError(`git ${args.slice(0, 3).join(' ')} failed: ${result.stderr.trim()}`);
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function getAll(git: Git, key: string): string[] {
  const result = git('config', '--global', '--get-all', key);
  return result.status === 0 ? result.stdout.replace(/\n$/, '').split('\n') : [];
}

/** git's value patterns are extended regular expressions. */
function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
