import { EmbeddedIssuer } from '../../src/issuer/embedded-issuer';
import type { Timings } from '../../src/core/profile';
import { makeHome, type TestHome } from './home';

/** A real oidc-provider on loopback and a credshare home signed in to it. */
export interface SignedInHome {
  issuer: EmbeddedIssuer;
  home: TestHome;
  /** Marks the stored access token expired, as if its lifetime had run out. */
  expire(): void;
  close(): Promise<void>;
}

export async function signedInHome(options: { hosts?: string[]; timings?: Partial<Timings>; accessTokenTtlSeconds?: number } = {}): Promise<SignedInHome> {
  const issuer = await EmbeddedIssuer.start({ accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 300 });
  const home = makeHome({ issuer: issuer.url, clientId: issuer.clientId, hosts: options.hosts, timings: options.timings });
  const minted = await issuer.mintSession({ accountId: 'alice' });
  home.writeSession({
    accessToken: minted.accessToken,
    refreshToken: minted.refreshToken,
    expiresAt: Date.now() + minted.expiresIn * 1000,
    scope: minted.scope,
    ...(minted.idToken ? { idToken: minted.idToken } : {}),
    account: { id: minted.accountId, label: 'Alice Example' },
  });
  return {
    issuer,
    home,
    expire() {
      const session = home.readSession()!;
      home.writeSession({ ...session, expiresAt: Date.now() - 1000 });
    },
    async close() {
      await issuer.stop();
      home.remove();
    },
  };
}
