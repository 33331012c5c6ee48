import * as oauth from 'oauth4webapi';
import { InvalidGrantError, RefreshFailedError, ScopeRefusedError } from '../errors';
import type { Profile } from '../profile';
import type { Account } from '../session';
import { accountUpdate } from './account-claims';
import { sleep } from '../timing';
import { redactError } from '../redact';
import { httpOptions } from './http';
import { tokenClient } from './client-auth';
import { describeOAuthFailure, parseIssuer, refreshServer } from './issuer';
import { DEAD_REFRESH_TOKEN_ERRORS, refusalWithoutError, withErrorStatus } from './refusal';
import { formatIssuer } from '../format';

/** The tokens an issuer answered a refresh with. */
export interface TokenResponse {
  accessToken: string;
  /** Absent when the issuer does not rotate: keep using the old one. */
  refreshToken?: string;
  expiresIn?: number;
  scope?: string;
  idToken?: string;
  /** What the checked ID token says about the account (its display name), if anything. */
  account?: Partial<Account>;
  /** Set when the answer was kept although it failed a check (for the log; never secret). */
  problem?: string;
}

export interface RefreshOptions {
  /** Diagnostics; never passed a secret. */
  log?: (message: string) => void;
  /** A narrower scope for the new access token (RFC 6749 §6); the grant keeps its own. */
  scope?: string;
}

/** Redeems a refresh token. The coordinator calls it only while holding the lock and the token's claim. */
export type Refresher = (profile: Profile, refreshToken: string, timeoutMs: number, options?: RefreshOptions) => Promise<TokenResponse>;

/** Retries of one refresh: attempts in all, the first backoff, and the longest wait credshare will honour. */
const RETRY_POLICY = { attempts: 3, firstDelayMs: 250, maxDelayMs: 5_000 };

/**
 * The real refresher: one RFC 6749 refresh_token grant through oauth4webapi, with
 * bounded retries only where the refresh token was certainly not spent:
 *
 * - the connection was refused (ECONNREFUSED) or the issuer's name did not resolve for
 *   now (EAI_AGAIN): not one byte of the request left this machine;
 * - HTTP 429 or 503: the issuer answered that it did not do the work, and Retry-After
 *   (honoured up to RETRY_POLICY.maxDelayMs; longer, and credshare gives up at once and
 *   tells the other processes when to come back) says when to ask again.
 *
 * Never retried: a timeout, a reset or a closed connection once the request may have
 * been sent, a 5xx other than 503, garbage. The issuer may have redeemed the token and
 * rotated it, the answer lost on the way back. If it did, the session is already gone
 * (the new refresh token went with the answer) and a retry cannot bring it back: it can
 * only present the spent token, which the issuer treats as theft, revoking the grant
 * and raising a reuse alarm, and an immediate retry is the likeliest to arrive while the
 * first request is still being processed. If it did not, the token is still good, and the
 * next call, made once the first request has certainly finished, presents it as safely as
 * a retry would. So these failures are reported at once, with the credentials kept.
 */
export const refreshWithIssuer: Refresher = async (profile, refreshToken, timeoutMs, options = {}) => {
  try {
    return await redeem(profile, refreshToken, timeoutMs, options.log ?? (() => {}), options.scope);
  } catch (error) {
    // An issuer may quote what it was sent in its error_description ("malformed refresh_token
    // ..."), in any encoding, and the message goes to the terminal, the log and refresh-state.json.
    throw redactError(error, [refreshToken]);
  }
};

async function redeem(profile: Profile, refreshToken: string, timeoutMs: number, log: (message: string) => void, scope?: string): Promise<TokenResponse> {
  // Load Node's fetch implementation (undici) before any request timer starts. It is the
  // bulk of a refresher's CPU; in a storm of a thousand starting processes the one
  // refresher gets a sliver of two cores, and this load alone outlasted a 20 s timeout
  // that had already begun, failing every waiter with it (npm run bench, N = 1000).
  void globalThis.Response;
  const issuer = parseIssuer(profile.issuer);
  // Discovery is a GET without a secret; it is retried on the same terms all the same, so
  // that a down issuer costs a bounded, short time.
  const as = await withRetries(log, `${formatIssuer(issuer)} (discovery)`, () => refreshServer(profile, issuer, timeoutMs));
  const { client, auth } = tokenClient(profile, as);
  const where = as.token_endpoint ?? formatIssuer(issuer);
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    const sent = performance.now();
    try {
      const additionalParameters = scope ? { scope } : undefined;
      response = await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, { ...httpOptions(issuer, { timeoutMs }), additionalParameters });
    } catch (error) {
      if (attempt < RETRY_POLICY.attempts && nothingWasSent(error)) {
        await pause(log, where, attempt, backoff(attempt), describeCode(error));
        continue;
      }
      throw describeOAuthFailure(error, where, timeoutMs);
    }
    log(`token endpoint answered HTTP ${response.status} in ${(performance.now() - sent).toFixed(1)} ms (attempt ${attempt})`);
    if (response.status === 429 || response.status === 503) {
      const asked = retryAfterMs(response.headers.get('retry-after'));
      await response.body?.cancel().catch(() => undefined);
      const wait = asked ?? backoff(attempt);
      if (attempt < RETRY_POLICY.attempts && wait <= RETRY_POLICY.maxDelayMs) {
        await pause(log, where, attempt, wait, `HTTP ${response.status}`);
        continue;
      }
      throw busy(where, response.status, asked, attempt);
    }
    return processAnswer(as, client, await withErrorStatus(response), where, timeoutMs, scope);
  }
}

/**
 * Checks the answer, but keeps a rotated refresh token even when a check fails: the
 * issuer spent the old token the moment it answered 200, so dropping the answer would
 * sign the user out (and the next attempt, presenting the spent token, would get the
 * grant revoked). Seen with a local clock ahead of the issuer's by more than the
 * id_token's lifetime: oauth4webapi then finds the id_token expired. The unchecked
 * id_token is not kept; the coordinator persists the rest and logs the problem.
 */
async function processAnswer(as: oauth.AuthorizationServer, client: oauth.Client, response: Response, where: string, timeoutMs: number, scope?: string): Promise<TokenResponse> {
  const raw = await response.clone().text().catch(() => undefined);
  // A dead refresh token answered with a bare 400 or 401 (no OAuth error body): a refusal,
  // not an outage. Reporting it as a passing failure would present the dead token again
  // after every cool-down and never tell the user to sign in.
  const refusal = refusalWithoutError(response.status, raw);
  if (refusal) {
    await response.body?.cancel().catch(() => undefined);
    throw new InvalidGrantError(`${where} refused the refresh token (${refusal})`);
  }
  try {
    const result = await oauth.processRefreshTokenResponse(as, client, response);
    return {
      accessToken: result.access_token,
      refreshToken: result.refresh_token,
      expiresIn: result.expires_in,
      scope: result.scope,
      idToken: result.id_token,
      account: accountUpdate(oauth.getValidatedIdTokenClaims(result)),
    };
  } catch (error) {
    if (error instanceof oauth.ResponseBodyError && DEAD_REFRESH_TOKEN_ERRORS.has(error.error)) {
      throw new InvalidGrantError(`${where} no longer accepts the refresh token (${error.error})`, { cause: error });
    }
    // A refusal of the narrower scope itself: the refresh token was not spent.
    if (scope && error instanceof oauth.ResponseBodyError && SCOPE_REFUSALS.has(error.error)) {
      throw new ScopeRefusedError(`${where} refused a refresh for scope "${scope}" (${error.error}${error.error_description ? `: ${error.error_description}` : ''}).`, { cause: error });
    }
    const kept = response.status === 200 ? rotatedTokens(raw) : undefined;
    if (kept) return { ...kept, problem: `kept the answer of ${where} although it failed a check (${(error as Error).message})` };
    const status = error instanceof oauth.OperationProcessingError && error.cause instanceof Response ? error.cause.status : undefined;
    if (status !== undefined && status !== 200) {
      throw new RefreshFailedError(`${where} answered HTTP ${status}. Your credentials are kept; try again later.`, { cause: error });
    }
    throw describeOAuthFailure(error, where, timeoutMs);
  }
}

/** Errors with which issuers refuse a `scope` on a refresh (RFC 6749 §5.2). */
const SCOPE_REFUSALS = new Set(['invalid_scope', 'invalid_request', 'unauthorized_client']);

/** The tokens of a 200 answer that holds a new refresh token, checked or not. */
function rotatedTokens(raw: string | undefined): TokenResponse | undefined {
  let body: unknown;
  try {
    body = raw === undefined ? undefined : JSON.parse(raw);
  } catch {
    return undefined;
  }
  const b = body as Record<string, unknown> | undefined;
  if (typeof b?.access_token !== 'string' || !b.access_token || typeof b.refresh_token !== 'string' || !b.refresh_token) return undefined;
  const expiresIn = typeof b.expires_in === 'number' ? b.expires_in : Number.parseFloat(String(b.expires_in));
  return {
    accessToken: b.access_token,
    refreshToken: b.refresh_token,
    expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : undefined,
    scope: typeof b.scope === 'string' ? b.scope : undefined,
  };
}

async function withRetries<T>(log: (message: string) => void, where: string, request: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      if (attempt >= RETRY_POLICY.attempts || !nothingWasSent(error)) throw error;
      await pause(log, where, attempt, backoff(attempt), describeCode(error));
    }
  }
}

async function pause(log: (message: string) => void, where: string, attempt: number, ms: number, why: string): Promise<void> {
  log(`${where}: ${why} (attempt ${attempt} of ${RETRY_POLICY.attempts}); retrying in ${Math.round(ms)} ms`);
  await sleep(ms);
}

/** Exponential, with jitter so that processes started together do not retry together. */
function backoff(attempt: number): number {
  return Math.min(RETRY_POLICY.firstDelayMs * 2 ** (attempt - 1) * (0.8 + Math.random() * 0.4), RETRY_POLICY.maxDelayMs);
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 10.2.3), in ms; undefined if absent or unreadable. */
export function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date names its day or month ("Sun, 06 Nov 1994 08:49:37 GMT"); Date.parse
  // alone would also take "-5" (the year -5) and send everyone back at once.
  const date = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function busy(where: string, status: number, askedMs: number | undefined, attempts: number): RefreshFailedError {
  const seconds = askedMs === undefined ? undefined : Math.ceil(askedMs / 1000);
  // retryAfterMs is read by the coordinator: other processes report this failure until then instead of asking again.
  return new RefreshFailedError(`${where} is not taking requests now (HTTP ${status}${seconds !== undefined ? `, asks to retry after ${seconds}s` : ''}; `
    + `${attempts} attempt${attempts === 1 ? '' : 's'}). Your credentials are kept; try again ${seconds !== undefined ? `in ${seconds}s` : 'later'}.`, { retryAfterMs: askedMs });
}

const NOTHING_SENT = new Set(['ECONNREFUSED', 'EAI_AGAIN']);

/** True when the request certainly never reached the issuer (see refreshWithIssuer). */
function nothingWasSent(error: unknown): boolean {
  const codes = errorCodes(error);
  return codes.length > 0 && codes.every((code) => NOTHING_SENT.has(code));
}

function describeCode(error: unknown): string {
  return errorCodes(error).join(', ') || 'failed';
}

/** The errno-style codes in an error's cause chain (undici: TypeError -> cause, maybe an AggregateError). */
function errorCodes(error: unknown, depth = 0): string[] {
  if (!error || typeof error !== 'object' || depth > 5) return [];
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (Array.isArray(errors) && errors.length > 0) return errors.flatMap((e) => errorCodes(e, depth + 1));
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return [code];
  return errorCodes(cause, depth + 1);
}
