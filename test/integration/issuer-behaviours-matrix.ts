// The behaviour x flow matrix of issue 9: for one behaviour of the embedded issuer (one
// issuer per file, shared by its cells), real `credshare` processes sign in, race a
// refresh, meet a refused refresh, sign out and run doctor. Each issuer-behaviours-*.test.ts
// file calls behaviourMatrix() with one case. Every cell but sign-in starts from a home
// signed in by hand (signInByHand), so one failing cell does not take the others down.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EmbeddedIssuer, approveDeviceCode, authorizeInBrowser, type IssuerBehaviours } from '../../src/issuer/embedded-issuer';
import type { Session } from '../../src/core/session';
import { emptyBehaviourHome, freePort, signInByHand, writeProfile, type BehaviourHome, type IssueNineFields } from '../support/behaviour-home';
import { runCli, startCli } from '../support/processes';
import { assertNoSecrets, authorizationUrlOf, deviceCodeOf } from './login-helpers';

/** The flows of the matrix; `todo` may name any of them. */
export type Cell = 'sign-in' | 'refresh race' | 'refused refresh' | 'logout' | 'doctor';

/** One row of the matrix. */
export interface BehaviourCase {
  /** Title prefix of every test: the behaviour's name. */
  name: string;
  behaviours: IssuerBehaviours;
  /** Sign in with the browser flow on a registered fixed port (else the device flow). */
  browserOnFixedPort?: boolean;
  /** Give every endpoint on the command line, as for an issuer without discovery. */
  endpointFlags?: boolean;
  /** `--token-endpoint-auth-method`: needed where no metadata says which method the issuer takes. */
  authMethod?: NonNullable<IssueNineFields['tokenEndpointAuthMethod']>;
  /** What logout can do at the issuer: revoke, or not (the token stays valid there). */
  logout: 'revoked' | 'not-revocable';
  /** Cells still waiting for a client feature: `{ todo }` instead of a failure. */
  todo?: Partial<Record<Cell, string>>;
  /** Cells only this behaviour has (leeway, non-revoking rotation). */
  extraCells?: (context: MatrixContext) => void;
}

/** What extra cells get: the shared issuer and a way to make a signed-in home. */
export interface MatrixContext {
  issuer(): EmbeddedIssuer;
  signedInHome(): Promise<BehaviourHome>;
  /**
   * Another home (another machine) holding `session`, expired. credshare remembers the
   * refresh tokens it spent in its own home and never presents them again, so a stale
   * copy reaches the issuer only from a home that did not spend it.
   */
  homeHolding(session: Session): BehaviourHome;
}

const RACERS = 12;
const TIMEOUT = 90_000;

export function behaviourMatrix(c: BehaviourCase): void {
  let issuer: EmbeddedIssuer;
  let redirectPort: number | undefined;
  const homes: BehaviourHome[] = [];
  const options = (cell: Cell) => ({ timeout: TIMEOUT, ...(c.todo?.[cell] ? { todo: c.todo[cell] } : {}) });
  const fields = (): IssueNineFields => ({
    ...(issuer.clientSecret ? { clientSecret: issuer.clientSecret } : {}),
    ...(c.authMethod ? { tokenEndpointAuthMethod: c.authMethod } : {}),
    ...(redirectPort ? { redirectPort } : {}),
    ...(c.endpointFlags ? { endpoints: endpointsOf(issuer) } : {}),
  });
  const signedInHome = async (): Promise<BehaviourHome> => {
    const home = emptyBehaviourHome('credshare-behaviour-');
    homes.push(home);
    await signInByHand(home, issuer, fields());
    return home;
  };
  const secretFree = (text: string, ...sessions: Parameters<typeof assertNoSecrets>[1][]): void => {
    assertNoSecrets(text, ...sessions);
    if (issuer.clientSecret) assert.ok(!text.includes(issuer.clientSecret), 'output contains the client secret');
  };

  describe(c.name, () => {
    before(async () => {
      redirectPort = c.browserOnFixedPort ? await freePort() : undefined;
      issuer = await EmbeddedIssuer.start({
        accessTokenTtlSeconds: 300,
        behaviours: c.behaviours,
        ...(redirectPort ? { redirectUris: [`http://127.0.0.1:${redirectPort}/callback`] } : {}),
      });
    });
    after(async () => {
      await issuer.stop();
      for (const home of homes) home.remove();
    });

    it(`${c.name}: credshare login signs in and stores the profile's issue-9 fields`, options('sign-in'), async () => {
      const home = emptyBehaviourHome('credshare-behaviour-');
      homes.push(home);
      const args = ['login', '--issuer', issuer.url, '--client-id', issuer.clientId, ...(redirectPort ? ['--browser', '--no-open', '--redirect-port', String(redirectPort)] : ['--device'])];
      if (issuer.clientSecret) args.push('--client-secret-stdin');
      if (c.authMethod) args.push('--token-endpoint-auth-method', c.authMethod);
      if (c.endpointFlags) args.push(...endpointFlags(issuer));
      const cli = startCli(args, home.env, issuer.clientSecret ? `${issuer.clientSecret}\n` : undefined);
      if (redirectPort) {
        const url = await authorizationUrlOf(cli);
        assert.equal(url.searchParams.get('redirect_uri'), `http://127.0.0.1:${redirectPort}/callback`);
        const page = await fetch(await authorizeInBrowser(url.href, 'alice'));
        assert.match(await page.text(), /data-outcome="success"/);
      } else {
        await approveDeviceCode(issuer.url, await deviceCodeOf(cli), 'alice');
      }
      const result = await cli.done;
      assert.equal(result.code, 0, result.stderr);
      const session = home.readSession()!;
      assert.equal(session.account.id, 'alice');
      assert.equal(await issuer.isRefreshTokenUsable(session.refreshToken), true);
      const profile = home.config().profiles.default;
      for (const [key, value] of Object.entries(fields())) assert.deepEqual(profile[key], value, `config.json has ${key}`);
      secretFree(result.stdout + result.stderr, session);
    });

    it(`${c.name}: ${RACERS} credshare token processes on an expired token make one refresh request`, options('refresh race'), async (t) => {
      const home = await signedInHome();
      const before = home.readSession()!;
      home.expire();
      issuer.resetStats();
      const racers = await Promise.all(Array.from({ length: RACERS }, () => runCli(['token'], home.env)));
      assert.deepEqual(racers.filter((r) => r.code !== 0).map((r) => r.stderr), [], 'every process got a token');
      const stored = home.readSession()!;
      assert.notEqual(stored.refreshToken, before.refreshToken, 'the refresh token rotated');
      assert.deepEqual([...new Set(racers.map((r) => r.stdout.trim()))], [stored.accessToken]);
      const stats = issuer.stats();
      t.diagnostic(`${c.name}: ${RACERS} racers -> ${JSON.stringify(stats)}`);
      assert.equal(stats.refreshRequests, 1);
      assert.deepEqual([stats.refreshFailures, stats.reuseDetections, stats.reusesTolerated], [0, 0, 0]);
      if (c.behaviours.noDiscovery) assert.equal(stats.discoveryRequests, 0, 'the refresh path asked for no discovery document');
      assert.equal(await issuer.isRefreshTokenUsable(stored.refreshToken), true, 'the session is alive');
      assert.equal(await issuer.isAccessTokenValid(stored.accessToken), true);
    });

    it(`${c.name}: a refresh the issuer refuses means sign in again, and the token is not presented twice`, options('refused refresh'), async (t) => {
      const home = await signedInHome();
      await issuer.revokeGrant(home.readSession()!.refreshToken); // the user removed the app's access at the issuer
      home.expire();
      issuer.resetStats();
      const first = await runCli(['token'], home.env);
      t.diagnostic(`${c.name}: refused -> exit ${first.code}: ${first.stderr.trim()}`);
      assert.equal(first.code, 3, first.stderr);
      assert.match(first.stderr, /credshare login/);
      assert.deepEqual([issuer.stats().refreshRequests, issuer.stats().refreshFailures], [1, 1]);
      const second = await runCli(['token'], home.env);
      assert.equal(second.code, 3, second.stderr);
      assert.equal(issuer.stats().refreshRequests, 1, 'the refused refresh token was not presented again');
      const status = await runCli(['status'], home.env);
      assert.equal(status.code, 3, status.stdout);
      assert.match(status.stdout, /^Signed out \d+s ago: .*(refused|no longer accepts).*Sign in again/m, 'status says the session was refused');
      const doctor = await runCli(['doctor'], home.env);
      assert.equal(doctor.code, 1, 'doctor does not say all is well');
      assert.match(doctor.stdout, /^Session +signed out .*!! the issuer refused the session; sign in again/m);
    });

    it(`${c.name}: logout ${c.logout === 'revoked' ? 'revokes at the issuer' : 'says the token stays valid at the issuer'} and removes the session`, options('logout'), async (t) => {
      const home = await signedInHome();
      const session = home.readSession()!;
      issuer.resetStats();
      const result = await runCli(['logout'], home.env);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(home.readSession(), undefined);
      const output = result.stdout + result.stderr;
      t.diagnostic(`${c.name}: logout -> exit ${result.code}: ${output.trim().replace(/\n/g, ' | ')}`);
      if (c.logout === 'revoked') {
        assert.match(result.stdout, /Revoked the refresh token at /);
        assert.equal(issuer.stats().revocations, 1);
        assert.equal(await issuer.isRefreshTokenUsable(session.refreshToken), false);
      } else {
        // Said plainly, not as a failed attempt: the metadata told credshare it cannot revoke.
        assert.match(output, /until it expires/);
        assert.doesNotMatch(output, /Warning|could not revoke/);
        assert.equal(issuer.stats().revocations, 0, 'no request the issuer would refuse');
        assert.equal(await issuer.isRefreshTokenUsable(session.refreshToken), true, 'honestly: it is still valid there');
      }
      secretFree(output, session);
    });

    it(`${c.name}: doctor ${c.logout === 'revoked' ? 'finds no problem' : 'says revocation is not available to this client'}`, options('doctor'), async (t) => {
      const home = await signedInHome();
      const result = await runCli(['doctor'], home.env);
      t.diagnostic(`${c.name}: doctor -> exit ${result.code}: ${result.stdout.split('\n').filter((l) => /^(Issuer|Session|No problems|\d+ problem)|revocation/.test(l)).join(' | ')}`);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /^No problems found\.$/m);
      if (c.logout === 'revoked') assert.match(result.stdout, /revocation yes/);
      else assert.match(result.stdout, /revocation[^\n]*not available/i);
      secretFree(result.stdout + result.stderr, home.readSession());
    });

    const homeHolding = (session: Session): BehaviourHome => {
      const home = emptyBehaviourHome('credshare-behaviour-copy-');
      homes.push(home);
      writeProfile(home, issuer, fields());
      home.writeSession({ ...session, expiresAt: Date.now() - 1000 });
      return home;
    };
    c.extraCells?.({ issuer: () => issuer, signedInHome, homeHolding });
  });
}

function endpointsOf(issuer: EmbeddedIssuer): NonNullable<IssueNineFields['endpoints']> {
  return {
    authorization: `${issuer.url}/auth`,
    token: `${issuer.url}/token`,
    deviceAuthorization: `${issuer.url}/device/auth`,
    revocation: `${issuer.url}/token/revocation`,
    userinfo: `${issuer.url}/me`,
  };
}

function endpointFlags(issuer: EmbeddedIssuer): string[] {
  const e = endpointsOf(issuer);
  return ['--authorization-endpoint', e.authorization!, '--token-endpoint', e.token!, '--device-authorization-endpoint', e.deviceAuthorization!,
    '--revocation-endpoint', e.revocation!, '--userinfo-endpoint', e.userinfo!];
}
