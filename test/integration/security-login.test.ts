// Issue 12, findings 3 and 4, written as the attacks, against the real embedded issuer and
// real CLI processes:
// - a `credshare login` with a mistyped client id that times out, or is cancelled, must
//   leave the working session and the profile exactly as they were;
// - a forged GET /callback sent to the loopback listener before the browser's must not
//   abort the sign-in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { authorizeInBrowser } from '../../src/issuer/embedded-issuer';
import { sessionAlive } from '../support/fault-env';
import { fault } from '../support/fault-report';
import { signedInHome, type SignedInHome } from '../support/issuer-home';
import { startCli } from '../support/processes';
import { authorizationUrlOf, emptyHome } from './login-helpers';
import { EmbeddedIssuer } from '../../src/issuer/embedded-issuer';

const file = __filename;

function filesOf(env: SignedInHome): { credentials: string; config: string } {
  return { credentials: fs.readFileSync(env.home.paths.credentials, 'utf8'), config: fs.readFileSync(env.home.paths.config, 'utf8') };
}

for (const ending of ['times out', 'is cancelled (Ctrl-C)'] as const) {
  test(`a login with a mistyped --client-id that ${ending} leaves credentials.json and config.json byte-identical`, { timeout: 60_000 }, async (t) => {
    const env = await signedInHome();
    t.after(() => env.close());
    const id = ending === 'times out' ? 'security/failed-login-times-out' : 'security/failed-login-cancelled';
    await fault({ id, area: 'security', fault: `\`credshare login --client-id <typo>\` that ${ending}`, expected: 'exit 1, "nothing was stored"; the session and the profile byte-identical and the session alive', file }, async (tally) => {
      const before = filesOf(env);
      const cli = startCli(['login', '--browser', '--no-open', '--client-id', 'credshare-cli-typo', '--timeout', ending === 'times out' ? '2' : '60'], env.home.env);
      await authorizationUrlOf(cli); // the sign-in is under way
      if (ending !== 'times out') cli.child.kill('SIGINT');
      const result = await cli.done;
      tally.calls(result);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /[Nn]othing was stored/);
      const after = filesOf(env);
      if (after.credentials !== before.credentials) tally.dataLost++;
      if (after.config !== before.config) tally.dataLost++;
      assert.equal(after.credentials, before.credentials, 'credentials.json untouched');
      assert.equal(after.config, before.config, 'config.json untouched');
      if (!(await sessionAlive(env))) tally.sessionsLost++;
      assert.ok(await sessionAlive(env), 'the old session still works');
    });
  });
}

test('a forged GET /callback before the browser\'s answer is refused and ignored: the real sign-in completes', { timeout: 60_000 }, async (t) => {
  const issuer = await EmbeddedIssuer.start();
  const home = emptyHome();
  t.after(async () => { await issuer.stop(); home.remove(); });
  await fault({ id: 'security/forged-callback', area: 'security', fault: 'another local process sends GET /callback (no state, a wrong state, a guessed code) before the browser does', expected: 'each forged request answered 400 and ignored; the real sign-in completes (exit 0)', file }, async (tally) => {
    const cli = startCli(['login', '--browser', '--no-open', '--issuer', issuer.url, '--client-id', issuer.clientId], home.env);
    const url = await authorizationUrlOf(cli);
    const callback = url.searchParams.get('redirect_uri')!;
    for (const forged of ['', '?code=guessed', '?code=guessed&state=forged', `?error=access_denied&state=forged`]) {
      const page = await fetch(`${callback}${forged}`);
      assert.equal(page.status, 400, forged);
      assert.match(await page.text(), /data-outcome="failure"/);
    }
    const page = await fetch(await authorizeInBrowser(url.href, 'bob'));
    assert.equal(page.status, 200);
    const result = await cli.done;
    tally.calls(result);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(home.session()?.account.id, 'bob');
  });
});
