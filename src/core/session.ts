import { createHash } from 'node:crypto';
import type { TokenResponse } from './oauth/refresh-grant';
import type { ScopeNarrowing, ScopedToken } from './scope-sets';

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
  /** Epoch milliseconds. */
  expiresAt: number;
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

/** True when the access token stays valid for more than `toleranceSeconds` from `now`. */
export function isFresh(session: Session, toleranceSeconds: number, now = Date.now()): boolean {
  return session.accessToken !== '' && session.expiresAt - now > toleranceSeconds * 1000;
}

/**
 * A non-secret name for a token: enough to tell two tokens apart in a shared record
 * or a log, useless to anyone who wants to use it.
 */
export function fingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}

/** The session after a refresh answered `tokens`: what the issuer did not resend is kept. */
export function sessionAfterRefresh(current: Session, tokens: TokenResponse): Session {
  return {
    ...current,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken ?? current.refreshToken,
    expiresAt: Date.now() + (tokens.expiresIn ?? 3600) * 1000,
    scope: tokens.scope ?? current.scope,
    idToken: tokens.idToken ?? current.idToken,
    // A new display name from the refreshed ID token; id and label never change (account-claims.ts).
    account: tokens.account ? { ...current.account, ...tokens.account, id: current.account.id } : current.account,
  };
}
