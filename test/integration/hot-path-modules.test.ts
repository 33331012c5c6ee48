// The fresh-token path of every helper and `credshare token` loads no more of Node than it
// needs. Node's own modules are most of a helper call's start-up cost: `child_process`
// alone brings `net`, the stream modules and `dgram` (~30 of them), and a static import of
// setup code that needs it raised a fresh `credshare token` from 1.04x to 1.28x of
// `node -e 0` (npm run bench, figure 1). Counted, not timed: the list of Node modules the
// process loaded (`process.moduleLoadList`), which does not depend on the machine's load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeHome, sessionFixture } from '../support/home';
import { cliPath, run } from '../support/processes';

/** Node modules a fresh-token answer must not load (each is loaded on use, where it is needed). */
const NOT_ON_THE_HOT_PATH = ['child_process', 'net', 'stream', 'http', 'https', 'crypto', 'dgram', 'tls', 'zlib', 'worker_threads'];

const CALLS: Array<{ name: string; args: string[]; input?: string }> = [
  { name: 'credshare token', args: ['token'] },
  { name: 'bazel helper', args: ['helper', '--protocol', 'bazel', 'get'], input: '{"uri":"https://example.com/artifact"}' },
  { name: 'git helper', args: ['helper', '--protocol', 'git', 'get'], input: 'protocol=https\nhost=example.com\n\n' },
  { name: 'docker helper', args: ['helper', '--protocol', 'docker', 'get'], input: 'example.com' },
];

test('a fresh-token answer loads none of child_process, net, streams, http(s), crypto: token and the helpers', { timeout: 60_000 }, async (t) => {
  const home = makeHome({ hosts: ['example.com'] });
  home.writeSession(sessionFixture({ accessToken: 'at-fresh', expiresAt: Date.now() + 3_600_000 }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-hot-path-'));
  t.after(() => { home.remove(); fs.rmSync(dir, { recursive: true, force: true }); });
  const hook = path.join(dir, 'list-modules.cjs');
  fs.writeFileSync(hook, "process.on('exit', () => require('fs').writeFileSync(process.env.CREDSHARE_TEST_MODULE_LIST, process.moduleLoadList.join('\\n')));\n");
  for (const call of CALLS) {
    const list = path.join(dir, `${call.args[0]}-${call.args[2] ?? ''}.txt`);
    const result = await run(process.execPath, ['--require', hook, cliPath, ...call.args], { env: { ...home.env, CREDSHARE_TEST_MODULE_LIST: list }, input: call.input ?? '' });
    assert.equal(result.code, 0, `${call.name}: ${result.stderr}`);
    assert.match(result.stdout, /at-fresh/, `${call.name} answered with the stored token`);
    const loaded = new Set(fs.readFileSync(list, 'utf8').split('\n').filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length)));
    const extra = NOT_ON_THE_HOT_PATH.filter((name) => loaded.has(name));
    assert.deepEqual(extra, [], `${call.name} loaded ${extra.join(', ')} (${loaded.size} Node modules in all)`);
  }
});
