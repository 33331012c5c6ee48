import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cliPath, run } from '../support/processes';
import { signedInHome } from '../support/issuer-home';
import { startGitServer } from '../support/git-server';
import { nativeClient, requireNativeClient, runtimeDir, stopAgent, waitForAgent } from '../support/native';

test('real git uses credshare as its credential helper against a server that checks the token with the issuer', { timeout: 90_000 }, async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-git-'));
  let env: Awaited<ReturnType<typeof signedInHome>> | undefined;
  const server = await startGitServer(root, (password) => env!.issuer.isAccessTokenValid(password));
  // Loopback plain HTTP gets a token only on a port the profile names.
  env = await signedInHome({ hosts: [new URL(server.url).host] });
  t.after(async () => { await server.close(); await env!.close(); fs.rmSync(root, { recursive: true, force: true }); });
  const gitEnv = {
    ...env.home.env,
    HOME: root, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '/bin/false',
  };
  const helper = `!"${process.execPath}" "${cliPath}" helper --protocol git`;
  const git = (...args: string[]) => run('git', ['-c', 'credential.helper=', '-c', `credential.helper=${helper}`, ...args], { env: gitEnv, cwd: root });

  const clone = await git('clone', '-q', server.url, 'clone');
  assert.equal(clone.code, 0, clone.stderr);
  assert.equal(fs.readFileSync(path.join(root, 'clone', 'README'), 'utf8'), 'hello from the test git server\n');
  assert.equal(env.issuer.stats().refreshRequests, 0, 'a fresh token needs no refresh');

  // The token expires: the helper refreshes once, git carries on.
  env.expire();
  const fetch = await git('-C', 'clone', 'fetch', '-q');
  assert.equal(fetch.code, 0, fetch.stderr);
  assert.equal(env.issuer.stats().refreshRequests, 1);

  // The server refuses a token that looks fresh to us: git erases it, and the next
  // operation refreshes instead of anyone being signed out.
  const session = env.home.readSession()!;
  env.home.writeSession({ ...session, accessToken: 'not-a-token-the-issuer-knows', expiresAt: Date.now() + 3_600_000 });
  const refused = await git('-C', 'clone', 'fetch', '-q');
  assert.notEqual(refused.code, 0, 'git reports the refusal');
  assert.equal(env.home.readSession()!.expiresAt, 0, 'git erase marked the token rejected');
  const retried = await git('-C', 'clone', 'fetch', '-q');
  assert.equal(retried.code, 0, retried.stderr);
  assert.equal(env.issuer.stats().refreshRequests, 2);
  assert.equal(env.issuer.stats().reuseDetections, 0);
  assert.equal(await env.issuer.isRefreshTokenUsable(env.home.readSession()!.refreshToken), true, 'still signed in');
  t.diagnostic(`git server: ${server.stats.authenticated} authenticated requests, ${server.stats.refused} refused`);
});

test('real git through the native client (the helper `credshare setup git` writes) and the agent it starts: one refresh, erase honoured', { timeout: 90_000 }, async (t) => {
  if (!requireNativeClient(t)) return;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-git-'));
  let env: Awaited<ReturnType<typeof signedInHome>> | undefined;
  const server = await startGitServer(root, (password) => env!.issuer.isAccessTokenValid(password));
  env = await signedInHome({ hosts: [new URL(server.url).host] });
  const gitEnv = {
    ...env.home.env, XDG_RUNTIME_DIR: runtimeDir(t),
    HOME: root, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '/bin/false',
  };
  t.after(async () => { await stopAgent(gitEnv); await server.close(); await env!.close(); fs.rmSync(root, { recursive: true, force: true }); });
  const helper = `!"${nativeClient}" helper --protocol git`;
  const git = (...args: string[]) => run('git', ['-c', 'credential.helper=', '-c', `credential.helper=${helper}`, ...args], { env: gitEnv, cwd: root });

  // No agent yet: the client runs the Node CLI and starts one.
  const clone = await git('clone', '-q', server.url, 'clone');
  assert.equal(clone.code, 0, clone.stderr);
  const agent = await waitForAgent(gitEnv);

  env.expire();
  const fetch = await git('-C', 'clone', 'fetch', '-q');
  assert.equal(fetch.code, 0, fetch.stderr);
  assert.equal(env.issuer.stats().refreshRequests, 1);

  const session = env.home.readSession()!;
  env.home.writeSession({ ...session, accessToken: 'not-a-token-the-issuer-knows', expiresAt: Date.now() + 3_600_000 });
  const refused = await git('-C', 'clone', 'fetch', '-q');
  assert.notEqual(refused.code, 0, 'git reports the refusal');
  assert.equal(env.home.readSession()!.expiresAt, 0, 'git erase, through the agent, marked the token rejected');
  const retried = await git('-C', 'clone', 'fetch', '-q');
  assert.equal(retried.code, 0, retried.stderr);
  assert.equal(env.issuer.stats().refreshRequests, 2);
  assert.equal(env.issuer.stats().reuseDetections, 0);
  const after = await waitForAgent(gitEnv);
  assert.equal(after.pid, agent.pid, 'one agent throughout');
  assert.ok(after.requestsServed >= 4 + agent.requestsServed, `the agent answered git's get, erase and get (served ${agent.requestsServed} -> ${after.requestsServed})`);
  assert.equal(after.fallbacks, 0);
});
