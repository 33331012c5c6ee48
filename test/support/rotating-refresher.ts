import { InvalidGrantError } from '../../src/core/errors';
import type { Refresher, TokenResponse } from '../../src/core/oauth/refresh-grant';

/**
 * An in-process stand-in for the issuer's token endpoint, for unit tests of the
 * coordinator's logic only: it rotates refresh tokens and, like the real test issuer,
 * revokes everything when a spent one comes back. Integration tests use the real
 * oidc-provider instead.
 */
export class RotatingRefresher {
  calls = 0;
  private live = new Set<string>();
  private spent = new Set<string>();
  private counter = 0;
  /** Runs before each answer; tests use it to hold a request in flight or to fail it. */
  before: (presented: string) => Promise<void> | void = () => {};
  /** The `expires_in` of each answer. */
  expiresIn = 600;
  /**
   * When each answer says its request was sent (epoch ms; undefined: it does not say). A
   * test dates a request in the past to stand for an answer that arrived that much later.
   */
  requestedAt: (call: number) => number | undefined = () => undefined;

  constructor(initial = 'rt-0') {
    this.live.add(initial);
  }

  readonly refresher: Refresher = async (_profile, refreshToken): Promise<TokenResponse> => {
    this.calls++;
    await this.before(refreshToken);
    if (this.spent.has(refreshToken)) {
      this.live.clear();
      throw new InvalidGrantError('refresh token reused: grant revoked');
    }
    if (!this.live.has(refreshToken)) throw new InvalidGrantError('unknown refresh token');
    this.live.delete(refreshToken);
    this.spent.add(refreshToken);
    const n = ++this.counter;
    this.live.add(`rt-${n}`);
    const requestedAt = this.requestedAt(this.calls);
    return { accessToken: `at-${n}`, refreshToken: `rt-${n}`, expiresIn: this.expiresIn, scope: 'openid offline_access', ...(requestedAt === undefined ? {} : { requestedAt }) };
  };

  isLive(refreshToken: string): boolean {
    return this.live.has(refreshToken);
  }

  addLive(refreshToken: string): void {
    this.live.add(refreshToken);
  }
}
