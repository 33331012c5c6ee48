// Fault suite, fast part: secrets (docs/faults.md). No token in the argv or environment of
// any credshare process during a storm (what `ps` and /proc show other users), in the
// debug log, in an error message, or in any file but credentials.json. The extension's
// IPC and terminal checks belong to the extension's own tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fault } from '../support/fault-report';
import { cliPath, runCli, spawnTs, waitForLine, type Finished } from '../support/processes';
import { signedInHome } from '../support/issuer-home';
import { secretsOf, secretsReadableByOthers } from '../support/fault-env';

const file = __filename;
const TIMINGS = { lockStaleMs: 2000, lockTimeoutMs: 30_000, requestTimeoutMs: 10_000 };

/** Samples the argv and environment of every credshare process, from a child of its own. */
async function watchProcesses(home: string): Promise<{ stop(): Promise<{ samples: number; pids: number[]; texts: string[] }> }> {
  const sampler = spawnTs(path.join(__dirname, '..', 'support', 'proc-sampler.ts'), [cliPath, `CREDSHARE_HOME=${home}`]);
  await waitForLine(sampler, /^sampling$/);
  let out = '';
  sampler.stdout!.on('data', (d) => { out += d; });
  return {
    async stop() {
      const exited = new Promise((resolve) => sampler.on('exit', resolve));
      sampler.kill('SIGTERM');
      await exited;
      return JSON.parse(out.trim().split('\n').pop()!);
    },
  };
}

const STORM = 24;

test(`secrets: no token in argv, environment, debug log or any other file during a storm of ${STORM} processes`, { timeout: 120_000 }, async (t) => {
  const env = await signedInHome({ timings: TIMINGS, hosts: ['artifacts.example.com'] });
  t.after(() => env.close());
  await fault({ id: 'secrets/storm-ps-env-log-files', area: 'secrets', fault: `${STORM} token and helper processes refresh at once with CREDSHARE_DEBUG=1, while ps and /proc/PID/environ are sampled`, expected: 'no token in any argv, environment, stderr/debug log, or file other than credentials.json; no secret readable by others', file }, async (tally) => {
    const before = env.home.readSession()!;
    env.expire();
    const debugEnv = { ...env.home.env, CREDSHARE_DEBUG: '1' };
    const watcher = await watchProcesses(env.home.paths.home);
    const calls: Promise<Finished>[] = [];
    for (let i = 0; i < STORM; i++) {
      const kind = i % 4;
      if (kind === 0) calls.push(runCli(['token'], debugEnv));
      if (kind === 1) calls.push(runCli(['helper', '--protocol', 'bazel', 'get'], debugEnv, '{"uri":"https://artifacts.example.com/x"}'));
      if (kind === 2) calls.push(runCli(['helper', '--protocol', 'git', 'get'], debugEnv, 'protocol=https\nhost=artifacts.example.com\n\n'));
      if (kind === 3) calls.push(runCli(['helper', '--protocol', 'docker', 'get'], debugEnv, 'artifacts.example.com'));
    }
    const results = await Promise.all(calls);
    const observed = await watcher.stop();
    tally.tries += results.length;
    tally.callsFailed += results.filter((r) => r.code !== 0).length;
    assert.deepEqual(results.filter((r) => r.code !== 0).map((r) => r.stderr), []);
    const after = env.home.readSession()!;
    const secrets = [...secretsOf(before), ...secretsOf(after)];
    tally.note(`${observed.samples} samples of /proc (and ps) saw ${observed.pids.length} of the ${results.length} credshare processes`);
    assert.ok(observed.pids.length >= results.length / 2, `the sampler saw the processes (${observed.pids.length})`);
    const leakedPs = observed.texts.filter((line) => secrets.some((s) => line.includes(s)));
    const leakedLog = results.filter((r) => secrets.some((s) => r.stderr.includes(s)));
    assert.ok(results.some((r) => r.stderr.includes('refreshing profile')), 'the debug log was on');
    const otherFiles = fs.readdirSync(env.home.paths.home, { recursive: true }).map(String)
      .filter((name) => name !== 'credentials.json' && fs.statSync(path.join(env.home.paths.home, name)).isFile())
      .filter((name) => secrets.some((s) => fs.readFileSync(path.join(env.home.paths.home, name), 'utf8').includes(s)));
    const readable = secretsReadableByOthers(env.home.paths.home, secrets);
    tally.dataLost += leakedPs.length + leakedLog.length + otherFiles.length + readable.length;
    assert.deepEqual(leakedPs, [], 'no token in argv or environment');
    assert.deepEqual(leakedLog.map((r) => r.stderr), [], 'no token in the debug log');
    assert.deepEqual(otherFiles, [], 'tokens live in credentials.json only');
    assert.deepEqual(readable, []);
  });
});

test('secrets: an issuer that echoes the refresh token in its error does not get it into credshare\'s message or record', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome({ timings: TIMINGS });
  t.after(() => env.close());
  await fault({ id: 'secrets/issuer-echoes-token', area: 'secrets', fault: 'token endpoint answers 400 with error_description quoting the refresh token it was sent', expected: 'exit 1; the token appears neither in the message nor in refresh-state.json', file }, async (tally) => {
    const session = env.home.readSession()!;
    env.expire();
    env.issuer.setTokenEndpointFault({ kind: 'status', status: 400, body: JSON.stringify({ error: 'invalid_request', error_description: `malformed refresh_token ${session.refreshToken}` }) });
    const result = await runCli(['token'], { ...env.home.env, CREDSHARE_DEBUG: '1' });
    tally.calls(result);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /invalid_request/);
    const record = fs.readFileSync(path.join(env.home.paths.home, 'refresh-state.json'), 'utf8');
    const leaks = [result.stderr, result.stdout, record].filter((text) => text.includes(session.refreshToken));
    tally.dataLost += leaks.length;
    assert.equal(leaks.length, 0, `the token leaked into: ${leaks.map((l) => l.slice(0, 80)).join(' | ')}`);
  });
});
