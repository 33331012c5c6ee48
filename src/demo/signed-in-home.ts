import type { Timings } from '../core/profile';
import type { Session } from '../core/session';
import { EmbeddedIssuer } from '../issuer/embedded-issuer';
import { makeHome, type ScratchHome } from './home';

/** A real oidc-provider on loopback and a credshare home signed in to it. */
export interface SignedInHome {
  issuer: EmbeddedIssuer;
  home: ScratchHome;
  /** Marks the stored access token expired, as if its lifetime had run out. */
  expire(): void;
  /** Replaces the stored session with a new one minted by the issuer (a new grant). */
  signIn(): Promise<Session>;
  close(): Promise<void>;
}

export interface SignedInHomeOptions {
  hosts?: string[];
  timings?: Partial<Timings>;
  accessTokenTtlSeconds?: number;
  toleranceSeconds?: number;
  prefix?: string;
}

export async function signedInHome(options: SignedInHomeOptions = {}): Promise<SignedInHome> {
  const issuer = await EmbeddedIssuer.start({ accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 300 });
  const home = makeHome({ issuer: issuer.url, clientId: issuer.clientId, hosts: options.hosts, timings: options.timings, toleranceSeconds: options.toleranceSeconds, prefix: options.prefix });
  const signIn = async (): Promise<Session> => {
    const minted = await issuer.mintSession({ accountId: 'alice' });
    const session: Session = {
      accessToken: minted.accessToken,
      refreshToken: minted.refreshToken,
      expiresAt: Date.now() + minted.expiresIn * 1000,
      scope: minted.scope,
      ...(minted.idToken ? { idToken: minted.idToken } : {}),
      account: { id: minted.accountId, label: 'Alice Example' },
    };
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
