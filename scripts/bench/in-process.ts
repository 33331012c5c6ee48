import { createFileCoordinator } from '../../src/core/file-coordinator';
import { refreshWithIssuer, type Refresher } from '../../src/core/oauth/refresh-grant';
import type { SignedInHome } from '../../src/demo/signed-in-home';

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
  distinctTokens: number;
}

export async function inProcessStorm(env: SignedInHome, calls: number): Promise<InProcessResult> {
  await env.signIn();
  env.expire();
  env.issuer.resetStats();
  let issuerMs = 0;
  const timed: Refresher = async (...args) => {
    const asked = performance.now();
    try {
      return await refreshWithIssuer(...args);
    } finally {
      issuerMs += performance.now() - asked;
    }
  };
  const { profile, paths } = env.home;
  const coordinator = createFileCoordinator(paths, { lockStaleMs: 10_000, lockTimeoutMs: 60_000, requestTimeoutMs: 20_000 }, { refresher: timed });
  const started = performance.now();
  const sessions = await Promise.all(Array.from({ length: calls }, () => coordinator.getSession({ profile })));
  const totalMs = performance.now() - started;
  return {
    calls,
    refreshRequests: env.issuer.stats().refreshRequests,
    totalMs,
    issuerMs,
    overheadMs: totalMs - issuerMs,
    distinctTokens: new Set(sessions.map((s) => s.accessToken)).size,
  };
}
