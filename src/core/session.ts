import { createHash } from 'node:crypto';
import type { TokenResponse } from './oauth/refresh-grant';
import type { ScopeNarrowing, ScopedToken } from './scope-sets';
import { lifetimeOf, outlastsMargin } from './refresh-margin';
import { timingFromRequest } from './token-expiry';

/**
 * The account a session belongs to: `id` is the subject; `label` a stable identifier the
 * user recognises (preferred_username, else email, else subject), which VS Code keys each
 * extension's access grant by, so it must not change with the display name; `name` is the
 * display name, where the issuer gives one.
 */
export interface Account {
  id: string;
  label: string;
  name?: string;
}

/**
 * One profile's tokens, in the shape of the `credentials.json` contract. Fields this
 * version does not know are carried along on rewrite, hence the index signature.
 */
export interface Session {
  accessToken: string;
  /** Empty when the issuer gave none: such a session cannot be refreshed. */
  refreshToken: string;
  /** Epoch milliseconds, dated from when the request that minted the token was sent (token-expiry.ts). */
  expiresAt: number;
  /** The access token's lifetime as the issuer gave it (`expires_in`); absent when unknown. Caps the refresh margin (refresh-margin.ts). */
  lifetimeSeconds?: number;
  scope: string;
  idToken?: string;
  account: Account;
  /** Access tokens per normalised scope set (scope-sets.ts); the grant's own stay above. */
  tokens?: Record<string, ScopedToken>;
  /** Set once the issuer showed it cannot narrow a refresh's scope (`doctor` says so). */
  scopeNarrowing?: ScopeNarrowing;
  /** Scope sets the issuer refused for this grant: only a new sign-in can add them. */
  scopesNotGranted?: string[];
  [unknownField: string]: unknown;
}

/**
 * True when the access token stays valid for longer than the refresh margin from `now`: the
 * `toleranceSeconds` asked for, capped by half the token's lifetime (refresh-margin.ts). Every
 * freshness check of every process goes through here.
 */
export function isFresh(session: Session, toleranceSeconds: number, now = Date.now()): boolean {
  return session.accessToken !== '' && outlastsMargin(session.expiresAt, lifetimeOf(session), toleranceSeconds, now);
}

/**
 * A non-secret name for a token: enough to tell two tokens apart in a shared record
 * or a log, useless to anyone who wants to use it.
 */
export function fingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}

/**
 * The session after a refresh sent at `requestedAt` (epoch ms) answered `tokens`: what the
 * issuer did not resend is kept, but not the old token's lifetime.
 */
export function sessionAfterRefresh(current: Session, tokens: TokenResponse, requestedAt: number): Session {
  const { lifetimeSeconds: _oldLifetime, ...kept } = current;
  return {
    ...kept,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken ?? current.refreshToken,
    ...timingFromRequest(tokens.expiresIn, requestedAt),
    scope: tokens.scope ?? current.scope,
    idToken: tokens.idToken ?? current.idToken,
    // A new display name from the refreshed ID token; id and label never change (account-claims.ts).
    account: tokens.account ? { ...current.account, ...tokens.account, id: current.account.id } : current.account,
  };
}
