import { createFileCoordinator } from '../../src/core/file-coordinator';
import { refreshWithIssuer, type Refresher } from '../../src/core/oauth/refresh-grant';
import type { RaceIssuer, SignedInHome } from '../../src/demo/signed-in-home';

/** Figure 3: many concurrent getSession() calls in one process on an expired token. */
export interface InProcessResult {
  calls: number;
  refreshRequests: number;
  /** From the first call to the last resolved promise. */
  totalMs: number;
  /** How long the refresher (the issuer's answer, discovery included) took. */
  issuerMs: number;
  /** totalMs - issuerMs: what the coordination itself cost. */
  overheadMs: number;
  /** Where the overhead went: first call to the request (read, single-flight, lock, claim)... */
  beforeRequestMs: number;
  /** ...the issuer's answer to the durable write of credentials.json (temp file, fsync, rename, dir fsync)... */
  persistMs: number;
  /** ...and the write to every caller holding its session (refresh record, lock release, 10,000 promises). */
  afterPersistMs: number;
  distinctTokens: number;
}

export async function inProcessStorm(env: SignedInHome<RaceIssuer>, calls: number): Promise<InProcessResult> {
  await env.signIn();
  env.expire();
  await env.issuer.resetStats();
  let issuerMs = 0;
  let asked = 0;
  let answered = 0;
  let stored = 0;
  const timed: Refresher = async (...args) => {
    asked = performance.now();
    try {
      return await refreshWithIssuer(...args);
    } finally {
      answered = performance.now();
      issuerMs += answered - asked;
    }
  };
  // The coordinator logs right after the durable write ("... stored N ms later").
  const log = (message: string): void => { if (message.includes('stored')) stored = performance.now(); };
  const { profile, paths } = env.home;
  const coordinator = createFileCoordinator(paths, { lockStaleMs: 10_000, lockTimeoutMs: 60_000, requestTimeoutMs: 20_000 }, { refresher: timed, log });
  const started = performance.now();
  const sessions = await Promise.all(Array.from({ length: calls }, () => coordinator.getSession({ profile })));
  const totalMs = performance.now() - started;
  return {
    calls,
    refreshRequests: (await env.issuer.stats()).refreshRequests,
    totalMs,
    issuerMs,
    overheadMs: totalMs - issuerMs,
    beforeRequestMs: asked - started,
    persistMs: stored - answered,
    afterPersistMs: started + totalMs - stored,
    distinctTokens: new Set(sessions.map((s) => s.accessToken)).size,
  };
}
