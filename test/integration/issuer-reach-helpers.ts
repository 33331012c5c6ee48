// Helpers for the issuer-reach-*.test.ts files: an embedded issuer with the behaviour a
// test needs (a confidential client, revocation that demands client authentication) and a
// credshare home signed in to it, with extra profile fields in config.json.
import * as fs from 'node:fs';
import type { Session } from '../../src/core/session';
import { sessionFromMinted } from '../../src/demo/signed-in-home';
import { EmbeddedIssuer, type IssuerOptions } from '../../src/issuer/embedded-issuer';
import { makeHome, type TestHome } from '../support/home';

export interface ReachHome {
  issuer: EmbeddedIssuer;
  home: TestHome;
  session: Session;
  /** The profile as config.json holds it now. */
  profile(): Record<string, unknown>;
  close(): Promise<void>;
}

/** An issuer started with `options`, and a home signed in to it whose profile also has `fields`. */
export async function reachHome(options: IssuerOptions, fields: Record<string, unknown> = {}): Promise<ReachHome> {
  const issuer = await EmbeddedIssuer.start({ accessTokenTtlSeconds: 300, ...options });
  const home = makeHome({ issuer: issuer.url, clientId: issuer.clientId, prefix: 'credshare-reach-' });
  const config = JSON.parse(fs.readFileSync(home.paths.config, 'utf8'));
  Object.assign(config.profiles.default, fields);
  fs.writeFileSync(home.paths.config, JSON.stringify(config, null, 2), { mode: 0o600 });
  const minted = await issuer.mintSession({ accountId: 'alice' });
  const session = sessionFromMinted(minted);
  home.writeSession(session);
  return {
    issuer,
    home,
    session,
    profile: () => JSON.parse(fs.readFileSync(home.paths.config, 'utf8')).profiles.default,
    async close() {
      await issuer.stop();
      home.remove();
    },
  };
}

/** The issuer's discovery document, as credshare would fetch it. */
export async function discoveryDocument(issuerUrl: string): Promise<Record<string, string>> {
  return await (await fetch(`${issuerUrl}/.well-known/openid-configuration`)).json() as Record<string, string>;
}
