// Issue 16, finding 5, written as what it cost a user: a global git config where the user
// had already set, for the host credshare serves, an empty helper value (which keeps the
// system keychain from answering for that host) and a corporate single sign-on helper
// whose line happens to end like credshare's (`!/opt/corp/bin/sso-tool helper --protocol
// git`). credshare 0.1's setup took the corporate helper for an old credshare and replaced
// it, and its --undo removed it and the user's "" too. setup must add credshare after the
// user's helpers, and --undo remove exactly what setup added: the file comes back byte
// for byte. The real git reads and writes the config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeBinDir } from '../support/bins';
import { fault } from '../support/fault-report';
import { makeHome } from '../support/home';
import { run, runCli } from '../support/processes';

const file = __filename;
const SSO = '!/opt/corp/bin/sso-tool helper --protocol git';

test('setup git then --undo over a config that already had "" and a foreign helper for the host: both kept, file restored', { timeout: 60_000 }, async (t) => {
  const home = makeHome({ hosts: ['git.example.com', 'other.example.com'] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-git-undo-'));
  const bin = makeBinDir();
  t.after(() => { home.remove(); fs.rmSync(dir, { recursive: true, force: true }); fs.rmSync(bin, { recursive: true, force: true }); });
  const gitconfig = path.join(dir, '.gitconfig');
  const original = `[user]\n\tname = Alice\n[credential "https://git.example.com"]\n\thelper = \n\thelper = ${SSO}\n`;
  fs.writeFileSync(gitconfig, original);
  // CREDSHARE_NATIVE=off: setup writes the Node CLI on PATH (this case is about --undo, not which client is written).
  const env = { ...home.env, HOME: dir, GIT_CONFIG_NOSYSTEM: '1', CREDSHARE_NATIVE: 'off', PATH: `${bin}${path.delimiter}${process.env.PATH}` };
  const helpers = async (host: string) => (await run('git', ['config', '--global', '--get-all', `credential.https://${host}.helper`], { env })).stdout.split('\n').filter((_, i, all) => i < all.length - 1);
  const credshare = `!${bin}/credshare helper --protocol git`;

  await fault({ id: 'security/git-undo-foreign-helpers', area: 'security', fault: `setup git, then setup git --undo, over a global config holding credential.https://git.example.com.helper = "" and = ${SSO}`, expected: 'setup appends credshare after both; --undo leaves the file byte for byte as it was', file }, async (tally) => {
    // Every problem is collected, so a run against an older credshare shows all of them.
    const problems: string[] = [];
    const setup = await runCli(['setup', 'git'], env);
    tally.calls(setup);
    assert.equal(setup.code, 0, setup.stderr);
    const during = await helpers('git.example.com');
    if (JSON.stringify(during) !== JSON.stringify(['', SSO, credshare])) problems.push(`after setup: ${JSON.stringify(during)} (wanted "", the SSO tool, then credshare)`);
    const other = await helpers('other.example.com');
    if (JSON.stringify(other) !== JSON.stringify(['', credshare])) problems.push(`a host without helpers got ${JSON.stringify(other)}`);
    const undo = await runCli(['setup', 'git', '--undo'], env);
    tally.calls(undo);
    assert.equal(undo.code, 0, undo.stderr);
    const after = fs.readFileSync(gitconfig, 'utf8');
    const lost = ['', SSO].filter((v) => !after.includes(`helper = ${v}\n`));
    tally.dataLost += lost.length;
    if (lost.length) problems.push(`after --undo, lost ${JSON.stringify(lost)}`);
    if (after !== original) problems.push(`after --undo the file is ${JSON.stringify(after)}`);
    if (!/removed credential\.https:\/\/git\.example\.com\.helper = .*credshare.*; kept "", "!\/opt\/corp\/bin\/sso-tool helper --protocol git"/.test(undo.stdout)) problems.push(`undo said: ${undo.stdout}`);
    assert.deepEqual(problems, []);
  });
});
