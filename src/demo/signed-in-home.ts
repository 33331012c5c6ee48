import type { Timings } from '../core/profile';
import type { Session } from '../core/session';
import { timingFromRequest } from '../core/token-expiry';
import type { EmbeddedIssuer, IssuerStats, MintedSession } from '../issuer/embedded-issuer';
import { startIssuerProcess } from '../issuer/issuer-process';
import { makeHome, type ScratchHome } from './home';

/** A real oidc-provider on loopback and a credshare home signed in to it. */
export interface SignedInHome<I extends RaceIssuer = EmbeddedIssuer> {
  issuer: I;
  home: ScratchHome;
  /** Marks the stored access token expired, as if its lifetime had run out. */
  expire(): void;
  /** Replaces the stored session with a new one minted by the issuer (a new grant). */
  signIn(): Promise<Session>;
  close(): Promise<void>;
}

/**
 * What a race needs to ask of the issuer, whether it lives in this process (EmbeddedIssuer)
 * or in its own (IssuerProcess, over its admin endpoints).
 */
export interface RaceIssuer {
  url: string;
  clientId: string;
  stats(): IssuerStats | Promise<IssuerStats>;
  resetStats(): void | Promise<void>;
  isAccessTokenValid(accessToken: string): Promise<boolean>;
  isRefreshTokenUsable(refreshToken: string): Promise<boolean>;
  stop(): Promise<void>;
}

export interface SignedInHomeOptions {
  hosts?: string[];
  timings?: Partial<Timings>;
  accessTokenTtlSeconds?: number;
  toleranceSeconds?: number;
  prefix?: string;
}

/** The issuer in this process: tests reach into it (faults, stats) directly. */
export async function signedInHome(options: SignedInHomeOptions = {}): Promise<SignedInHome> {
  // Loaded here, not above: a bench with the issuer in its own process never loads oidc-provider.
  const { EmbeddedIssuer } = await import('../issuer/embedded-issuer');
  const issuer = await EmbeddedIssuer.start({ accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 300 });
  return homeSignedInTo(issuer, () => issuer.mintSession({ accountId: 'alice' }), options);
}

/**
 * The issuer in a process of its own, as a remote issuer would be: for storms of hundreds
 * of processes, whose spawning stalls this process (src/issuer/issuer-process.ts).
 */
export async function signedInHomeWithIssuerProcess(options: SignedInHomeOptions = {}): Promise<SignedInHome<RaceIssuer>> {
  const issuer = await startIssuerProcess({ accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 300 });
  return homeSignedInTo(issuer, () => issuer.mint('alice'), options);
}

/** The session a sign-in would store for tokens the issuer minted (the demo's account). */
export function sessionFromMinted(minted: MintedSession): Session {
  return {
    accessToken: minted.accessToken,
    refreshToken: minted.refreshToken,
    // As a sign-in stores it, the lifetime the issuer gave included (the margin's cap). Dated
    // from now, a few ms after the mint: a sign-in dates it from its request (token-expiry.ts).
    ...timingFromRequest(minted.expiresIn, Date.now()),
    scope: minted.scope,
    ...(minted.idToken ? { idToken: minted.idToken } : {}),
    account: { id: minted.accountId, label: 'Alice Example' },
  };
}

async function homeSignedInTo<I extends RaceIssuer>(issuer: I, mint: () => Promise<MintedSession>, options: SignedInHomeOptions): Promise<SignedInHome<I>> {
  const home = makeHome({ issuer: issuer.url, clientId: issuer.clientId, hosts: options.hosts, timings: options.timings, toleranceSeconds: options.toleranceSeconds, prefix: options.prefix });
  const signIn = async (): Promise<Session> => {
    const session = sessionFromMinted(await mint());
    home.writeSession(session);
    return session;
  };
  try {
    await signIn();
  } catch (error) {
    await issuer.stop();
    home.remove();
    throw error;
  }
  return {
    issuer,
    home,
    expire: () => home.expire(),
    signIn,
    async close() {
      await issuer.stop();
      home.remove();
    },
  };
}
