// Fault suite, slow part: the soak (docs/faults.md). Storm after storm of 150 credshare
// processes (token and the three helpers) on access tokens that live 2 s, against an
// issuer (in a process of its own) that rotates refresh tokens and revokes the grant on
// reuse, for a few minutes. Expected: no call fails, no session is lost, and the issuer
// sees exactly one refresh per expiry, plus one for each answer that came too late to be
// handed out (src/core/late-answer.ts: on 2 s tokens with a 1 s tolerance, a refresh answer
// that takes over a second on a starved machine is within the margin on arrival, and the
// holder refreshes once more with the token it brought; each process says so on its
// CREDSHARE_DEBUG trace, which is how they are counted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fault } from '../support/fault-report';
import { runCli, type Finished } from '../support/processes';
import { signedInHomeWithIssuerProcess } from '../support/issuer-home';

const SOAK_MS = Number(process.env.CREDSHARE_SOAK_SECONDS ?? 120) * 1000;
const PROCESSES = 150;
const TTL_SECONDS = 2;
const TOLERANCE_SECONDS = 1;
/** How far `expires_in` in whole seconds can put an estimated expiry early. */
const EXPIRES_IN_ROUNDING_MS = 1000;

interface Seen {
  token: string;
  /** Epoch ms, where the answer carries it to the millisecond (token --json, bazel). */
  expiresAt?: number;
}

function parse(kind: number, result: Finished): Seen {
  const out = result.stdout.trim();
  if (kind === 0) { const j = JSON.parse(out); return { token: j.accessToken, expiresAt: j.expiresAt }; }
  if (kind === 1) { const j = JSON.parse(out); return { token: j.headers.Authorization[0].replace(/^Bearer /, ''), expiresAt: Date.parse(j.expires) }; }
  if (kind === 2) return { token: /^password=(.*)$/m.exec(out)![1]! };
  return { token: JSON.parse(out).Secret };
}

test(`soak: storms of ${PROCESSES} processes on ${TTL_SECONDS} s access tokens for ${SOAK_MS / 1000} s: no call fails, no session is lost, one refresh per expiry`, { timeout: SOAK_MS + 300_000 }, async (t) => {
  const env = await signedInHomeWithIssuerProcess({ accessTokenTtlSeconds: TTL_SECONDS, hosts: ['artifacts.example.com'], toleranceSeconds: TOLERANCE_SECONDS,
    timings: { lockStaleMs: 10_000, lockTimeoutMs: 60_000, requestTimeoutMs: 20_000 } });
  t.after(() => env.close());
  const { issuer, home } = env;
  await fault({ id: 'load/soak', area: 'load', fault: `soak: rounds of ${PROCESSES} processes (token --json, bazel, git, docker helpers) on ${TTL_SECONDS} s access tokens, tolerance ${TOLERANCE_SECONDS} s, reuse-detecting issuer, ${SOAK_MS / 1000} s`,
    expected: '0 calls failed, 0 sessions lost, refresh requests = expiries (distinct tokens issued) + at most the late answers refreshed again, no refresh while the previous token was fresh, 0 reuse detections', file: __filename }, async (tally) => {
    const signedIn = await env.signIn();
    env.expire();
    await issuer.resetStats();
    const seen = new Map<string, number | undefined>();
    const traced = { ...home.env, CREDSHARE_DEBUG: '1' };
    let lateAnswers = 0;
    const failures: string[] = [];
    const started = performance.now();
    const rounds: string[] = [];
    for (let round = 1; round === 1 || performance.now() - started < SOAK_MS || round <= 3; round++) {
      const roundStart = performance.now();
      const calls = Array.from({ length: PROCESSES }, (_, i) => {
        const kind = i % 10 < 4 ? 0 : i % 10 < 7 ? 1 : i % 10 < 9 ? 2 : 3;
        const run = kind === 0 ? runCli(['token', '--json'], traced)
          : kind === 1 ? runCli(['helper', '--protocol', 'bazel', 'get'], traced, '{"uri":"https://artifacts.example.com/a.tar.gz"}')
            : kind === 2 ? runCli(['helper', '--protocol', 'git', 'get'], traced, 'protocol=https\nhost=artifacts.example.com\npath=r.git\n\n')
              : runCli(['helper', '--protocol', 'docker', 'get'], traced, 'artifacts.example.com');
        return run.then((result) => ({ kind, result }));
      });
      for (const { kind, result } of await Promise.all(calls)) {
        tally.tries++;
        lateAnswers += (result.stderr.match(/the answer came late/g) ?? []).length;
        if (result.code !== 0) { tally.callsFailed++; failures.push(result.stderr.trim()); continue; }
        const s = parse(kind, result);
        if (!seen.has(s.token) || seen.get(s.token) === undefined) seen.set(s.token, s.expiresAt);
      }
      const stats = await issuer.stats();
      rounds.push(`${Math.round((performance.now() - roundStart) / 1000)}s`);
      t.diagnostic(`round ${round}: ${Math.round(performance.now() - roundStart)} ms; so far ${tally.tries} calls, ${tally.callsFailed} failed, ${stats.refreshRequests} refreshes (${lateAnswers} after a late answer), ${stats.reuseDetections} reuse`);
      if (tally.callsFailed > 0) break;
      // Let the token run out before the next storm, so every storm starts on an expired one.
      await new Promise((r) => setTimeout(r, TTL_SECONDS * 1000));
    }
    const stats = await issuer.stats();
    const alive = await issuer.isRefreshTokenUsable(home.readSession()!.refreshToken);
    if (!alive) tally.sessionsLost++;
    seen.delete(signedIn.accessToken);
    // Every refresh needed: the token it replaced had reached the tolerance window. (A
    // refresh answer's expiresAt is its receipt time + TTL; it came after the holder's
    // re-read under the lock, which found the previous token stale.)
    const timed = [...seen.values()].filter((v): v is number => v !== undefined).sort((a, b) => a - b);
    // expiresAt is receipt time + expires_in, and expires_in is whole seconds (the issuer
    // counts down to an exp in whole seconds), so each estimate can be up to 1 s early:
    // allow that much, or a refresh exactly at the tolerance reads as an early one.
    const early = timed.slice(1).filter((expiresAt, i) => expiresAt - TTL_SECONDS * 1000 < timed[i]! - TOLERANCE_SECONDS * 1000 - EXPIRES_IN_ROUNDING_MS).length;
    tally.note(`${rounds.length} rounds (${rounds.join(', ')}), ${tally.tries} calls; ${stats.refreshRequests} refresh requests for ${seen.size} expiries and ${lateAnswers} late answers; `
      + `${stats.reuseDetections} reuse detections, ${stats.refreshFailures} refresh failures, ${early} early refreshes`);
    assert.deepEqual(failures.slice(0, 5), [], 'no call failed');
    assert.equal(stats.reuseDetections, 0, 'no refresh token presented twice');
    assert.equal(stats.refreshFailures, 0);
    // Every issued token was handed out, or its answer came late and the holder said so. (A
    // waiter may still hand out a late token in the moment before the holder judges it, so
    // the late ones are an upper bound, not an exact count.)
    assert.ok(stats.refreshRequests >= seen.size && stats.refreshRequests <= seen.size + lateAnswers,
      `one refresh request per expiry, plus at most one per late answer: ${stats.refreshRequests} requests, ${seen.size} tokens handed out, ${lateAnswers} late answers`);
    assert.equal(early, 0, 'no refresh while the previous token was still fresh');
    assert.ok(alive, 'the session survives');
  });
});
