import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CredshareError } from '../../core/errors';
import { splitHostEntry } from '../protocols/host-match';
import { editWithTool, readToolFile, userHome, writeToolFile } from './files';
import { shellWord, type SetupRequest } from './request';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * What setup added, recorded in the same file, beside what it describes: a
 * `[credshare "<url>"]` section per credential URL, with `addedEmptyHelper = true` when
 * setup added the empty value and one `addedHelper = <value>` per helper value it added.
 * Git ignores sections it does not know. `--undo` removes exactly the recorded values and
 * then the record, so a `""` the user had set before (which keeps a system keychain from
 * answering for that host) and every helper of theirs stay, whatever they look like.
 */
const RECORD = 'credshare';

/**
 * Helper values written before setup kept a record (credshare 0.1): `!<path>/credshare
 * helper --protocol git[ --profile P]`, the path quoted by shellWord when it needs it, the
 * program credshare itself (or `cli.js` run by node). Only these are recognised without a
 * record; another program whose line merely ends the same way (a corporate
 * `!/opt/corp/bin/sso-tool helper --protocol git`) is not credshare's.
 */
export function isLegacyCredshareHelper(value: string): boolean {
  const match = /^!('(?:[^']|'\\'')*'|\S+) helper --protocol git(?: --profile ('[^']*'|[A-Za-z0-9._@+-]+))?$/.exec(value);
  if (!match) return false;
  const program = match[1]!.startsWith("'") ? match[1]!.slice(1, -1).replace(/'\\''/g, "'") : match[1]!;
  return ['credshare', 'cli.js'].includes(path.basename(program));
}

/**
 * git: `credential.<url>.helper` in the global config (the file `git config --global`
 * writes: $GIT_CONFIG_GLOBAL, else ~/.gitconfig, else $XDG_CONFIG_HOME/git/config when only
 * that one exists), one key per host, as `gh auth setup-git` does: an empty value first,
 * which tells git to forget the helpers configured more generally (a system keychain would
 * otherwise be asked first and answer with a stale password), then credshare. A key that
 * already has helpers of the user's keeps them; credshare is added after them. A value an
 * earlier setup wrote for a credshare elsewhere is replaced in place. What was added is
 * recorded (see RECORD); --undo removes exactly that.
 *
 * git itself edits the file, as always, but a private copy of it: the result is written
 * back like every file setup writes (files.ts), never through a link someone planted.
 */
export function setupGit(request: SetupRequest): void {
  const { profile, bins, profileArgs, undo, ctx } = request;
  const file = gitGlobalConfig(ctx.env);
  // Said once the file is written, so a failed write never reports a change.
  const report: string[] = [];
  const say = (line: string): void => { report.push(line); };
  const helper = `!${shellWord(bins.credshare)} helper --protocol git${profileArgs.map((a) => ` ${shellWord(a)}`).join('')}`;
  const original = readToolFile(file);
  let changed = 0;
  const edited = editWithTool(original, (copy) => {
    const git = (...args: string[]) => runGit(ctx.env, ['config', '--file', copy, ...args]);
    for (const host of profile.hosts) {
      const url = `${LOOPBACK.has(splitHostEntry(host).host) ? 'http' : 'https'}://${host}`;
      const key = `credential.${url}.helper`;
      const record = { empty: `${RECORD}.${url}.addedEmptyHelper`, helper: `${RECORD}.${url}.addedHelper` };
      const values = getAll(git, key);
      const recorded = getAll(git, record.helper);
      const recordedEmpty = getAll(git, record.empty).includes('true');
      const hasRecord = recorded.length > 0 || recordedEmpty;
      // Values of ours for another credshare (moved, another profile): by record, else by the 0.1 shape.
      const stale = values.filter((v) => v !== helper && (hasRecord ? recorded.includes(v) : isLegacyCredshareHelper(v)));
      if (!undo) {
        if (values.includes(helper) && stale.length === 0) { say(`git: ${key} already runs credshare; unchanged`); continue; }
        if (stale.length > 0) {
          // Replaced where it stands, so the user's helpers keep their order around it.
          for (const old of new Set(stale)) git('--replace-all', '--fixed-value', key, helper, old);
          for (const old of new Set(recorded.filter((v) => v !== helper))) git('--unset-all', '--fixed-value', record.helper, old);
          if (!recorded.includes(helper)) git('--add', record.helper, helper);
          changed++;
          say(`git: ${file}: replaced ${key} = ${[...new Set(stale)].join(', ')} with ${helper}`);
          if (!hasRecord && values.includes('')) say(`git: the ${key} = "" before it stays on --undo: credshare 0.1 kept no record of adding it, and it may be yours`);
          continue;
        }
        const addEmpty = values.length === 0;
        if (addEmpty) { git('--add', key, ''); git('--replace-all', record.empty, 'true'); }
        git('--add', key, helper);
        git('--add', record.helper, helper);
        changed++;
        say(addEmpty
          ? `git: ${file}: added ${key} = "" (forget other helpers for this URL) and ${key} = ${helper}`
          : `git: ${file}: added ${key} = ${helper}, after the helpers already there (${values.map((v) => JSON.stringify(v)).join(', ')}), which git asks first`);
      } else {
        const ours = [...new Set(values.filter((v) => v === helper || stale.includes(v) || (!hasRecord && isLegacyCredshareHelper(v))))];
        for (const value of ours) git('--unset-all', '--fixed-value', key, value);
        // Without a record (a setup older than the record) an empty value may be the user's: it stays.
        const removeEmpty = recordedEmpty && getAll(git, key).length === 1 && getAll(git, key)[0] === '';
        if (removeEmpty) git('--unset-all', '--fixed-value', key, '');
        if (hasRecord) git('--remove-section', `${RECORD}.${url}`);
        if (ours.length === 0 && !removeEmpty && !hasRecord) { say(`git: ${key} does not run credshare; unchanged`); continue; }
        changed++;
        const left = getAll(git, key);
        say(`git: ${file}: removed ${ours.length ? `${key} = ${ours.join(', ')}` : `the record of ${key}`}${removeEmpty ? ' and the empty value setup added before it' : ''}`
          + (left.length ? `; kept ${left.map((v) => JSON.stringify(v)).join(', ')}` : ''));
        if (!hasRecord && left.includes('')) say(`git: ${key} = "" was kept: it may be yours (credshare 0.1 kept no record). Remove it if setup added it: git config --global --unset-all ${key} '^$'`);
      }
    }
  });
  if (profile.hosts.length === 0) report.push(`git: profile "${profile.name}" has no hosts; nothing to set up`);
  else if (changed === 0 || edited === undefined || edited === original.text) report.push('git: nothing changed');
  else writeToolFile(original, edited, request.warn);
  for (const line of report) request.say(line);
}

/** The file `git config --global` writes (git's git_global_config()): $GIT_CONFIG_GLOBAL, ~/.gitconfig, or the XDG file when only it exists. */
export function gitGlobalConfig(env: NodeJS.ProcessEnv): string {
  if (env.GIT_CONFIG_GLOBAL) return path.resolve(env.GIT_CONFIG_GLOBAL);
  const home = userHome(env);
  const user = path.join(home, '.gitconfig');
  const xdg = path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'git', 'config');
  return !readable(user) && readable(xdg) ? xdg : user;
}

function readable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

type Git = (...args: string[]) => { status: number | null; stdout: string; stderr: string };

function runGit(env: NodeJS.ProcessEnv, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('git', args, { env, encoding: 'utf8' });
  if (result.error) throw new CredshareError(`cannot run git (${(result.error as NodeJS.ErrnoException).code ?? result.error.message}); install git or put it on PATH.`);
  // `--get-all` exits 1 when the key is not set: an answer, not a failure.
  if (result.status !== 0 && !(args.includes('--get-all') && result.status === 1)) {
    throw new CredshareError(`git ${args.filter((a) => !a.startsWith('/')).slice(0, 4).join(' ')} failed: ${result.stderr.trim()}`);
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function getAll(git: Git, key: string): string[] {
  const result = git('--get-all', key);
  return result.status === 0 ? result.stdout.replace(/\n$/, '').split('\n') : [];
}
