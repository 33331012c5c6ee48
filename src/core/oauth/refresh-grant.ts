import * as oauth from 'oauth4webapi';
import { ClientRejectedError, InvalidGrantError, RefreshFailedError, ScopeRefusedError } from '../errors';
import { loginCommand, type Profile } from '../profile';
import { fingerprint, type Account } from '../session';
import { accountUpdate } from './account-claims';
import { sleep } from '../timing';
import { redactError } from '../redact';
import { isInsecureAllowed } from './http';
import { RequestNotSentError, RequestUnansweredError, singleUseFetch } from './single-use-fetch';
import { tokenClient, type ClientCredentials } from './client-auth';
import { describeOAuthFailure, parseIssuer, refreshServer } from './issuer';
import { readRefreshAnswer, withErrorStatus } from './refusal';
import { formatIssuer } from '../format';
import { answerInWords, classifyRefreshAnswer, clientAuthAdvice, clientInWords, type RefreshAnswer, type RefusalRow } from './refusal-table';

/** The tokens an issuer answered a refresh with. */
export interface TokenResponse {
  accessToken: string;
  /** Absent when the issuer does not rotate: keep using the old one. */
  refreshToken?: string;
  expiresIn?: number;
  /**
   * When (epoch ms) the request that got this answer was sent: the token's expiry is dated
   * from it (token-expiry.ts). Absent, the caller dates it from when it asked.
   */
  requestedAt?: number;
  scope?: string;
  idToken?: string;
  /** What the checked ID token says about the account (its display name), if anything. */
  account?: Partial<Account>;
  /** Set when the answer was kept although it failed a check (for the log; never secret). */
  problem?: string;
  /** The fingerprint of the request's shape (see {@link RefreshOptions.provenShapes}), remembered as proven. */
  shape?: string;
}

export interface RefreshOptions {
  /** Diagnostics; never passed a secret. */
  log?: (message: string) => void;
  /** A narrower scope for the new access token (RFC 6749 §6); the grant keeps its own. */
  scope?: string;
  /**
   * Fingerprints of request shapes (token endpoint, client id, authentication method, scope)
   * with which a refresh succeeded before: the refusal table reads a refusal of such a
   * request as a refusal of the token (refusal-table.ts, row "refused-after-success").
   */
  provenShapes?: readonly string[];
}

/** Redeems a refresh token. The coordinator calls it only while holding the lock and the token's claim. */
export type Refresher = (profile: Profile, refreshToken: string, timeoutMs: number, options?: RefreshOptions) => Promise<TokenResponse>;

/** Retries of one refresh: attempts in all, the first backoff, and the longest wait credshare will honour. */
const RETRY_POLICY = { attempts: 3, firstDelayMs: 250, maxDelayMs: 5_000 };

/**
 * Once a refresh request is written, how much longer than the request timeout its answer
 * is waited for (awake time): the answer is the only copy of the new refresh token, and an
 * issuer that redeemed the token and answers late must not find nobody listening.
 */
export const LATE_ANSWER_FACTOR = 2;

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
 * Every attempt goes out on a new connection (single-use-fetch.ts): a retry after 429 on
 * the pooled keep-alive connection met the server closing that idle connection, was reset,
 * and could not be retried, since nobody can tell whether a reset request was read. A new
 * connection that cannot be established (refused, reset, or closed before the request is
 * written) has sent nothing, and is retried like ECONNREFUSED.
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
    return await redeem(profile, refreshToken, timeoutMs, options);
  } catch (error) {
    // An issuer may quote what it was sent in its error_description ("malformed refresh_token
    // ..."), in any encoding, and the message goes to the terminal, the log and refresh-state.json.
    throw redactError(error, [refreshToken, profile.clientSecret]);
  }
};

async function redeem(profile: Profile, refreshToken: string, timeoutMs: number, options: RefreshOptions): Promise<TokenResponse> {
  const { scope } = options;
  const log = options.log ?? (() => {});
  // Load Node's fetch implementation (undici) before any request timer starts. It is the
  // bulk of a refresher's CPU; in a storm of a thousand starting processes the one
  // refresher gets a sliver of two cores, and this load alone outlasted a 20 s timeout
  // that had already begun, failing every waiter with it (npm run bench, N = 1000).
  void globalThis.Response;
  const issuer = parseIssuer(profile.issuer);
  // Discovery is a GET without a secret; it is retried on the same terms all the same, so
  // that a down issuer costs a bounded, short time.
  const as = await withRetries(log, `${formatIssuer(issuer)} (discovery)`, () => refreshServer(profile, issuer, timeoutMs));
  const credentials = tokenClient(profile, as);
  const { client, auth } = credentials;
  const where = as.token_endpoint ?? formatIssuer(issuer);
  const shape = requestShape(where, credentials, scope);
  const request: RequestFacts = { where, credentials, profile, scope, shapeProven: options.provenShapes?.includes(shape) ?? false };
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    const sent = performance.now();
    const requestedAt = Date.now();
    try {
      const additionalParameters = scope ? { scope } : undefined;
      response = await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, {
        [oauth.allowInsecureRequests]: isInsecureAllowed(issuer),
        [oauth.customFetch]: singleUseFetch({ timeoutMs, lateAnswerMs: LATE_ANSWER_FACTOR * timeoutMs, log }),
        additionalParameters,
      });
    } catch (error) {
      if (attempt < RETRY_POLICY.attempts && nothingWasSent(error)) {
        await pause(log, where, attempt, backoff(attempt), describeCode(error));
        continue;
      }
      if (error instanceof RequestUnansweredError) throw possiblyRedeemed(profile, where, error);
      if (error instanceof RequestNotSentError) throw notReached(where, error, timeoutMs);
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
    return { ...await processAnswer(as, client, await withErrorStatus(response), request, timeoutMs), shape, requestedAt };
  }
}

/** What a refusal of one request is judged and described with. */
interface RequestFacts {
  where: string;
  credentials: ClientCredentials;
  profile: Profile;
  scope?: string;
  shapeProven: boolean;
}

/** Everything about a refresh request but the token: a refusal of a proven shape is about the token. */
function requestShape(where: string, credentials: ClientCredentials, scope?: string): string {
  return fingerprint([where, credentials.client.client_id, credentials.method, scope ?? ''].join('\n'));
}

/**
 * Checks the answer, but keeps a rotated refresh token even when a check fails: the
 * issuer spent the old token the moment it answered 200, so dropping the answer would
 * sign the user out (and the next attempt, presenting the spent token, would get the
 * grant revoked). Seen with a local clock ahead of the issuer's by more than the
 * id_token's lifetime: oauth4webapi then finds the id_token expired. The unchecked
 * id_token is not kept; the coordinator persists the rest and logs the problem.
 */
async function processAnswer(as: oauth.AuthorizationServer, client: oauth.Client, response: Response, request: RequestFacts, timeoutMs: number): Promise<TokenResponse> {
  const { where } = request;
  const raw = await response.clone().text().catch(() => undefined);
  // Any refusal goes by the table (refusal-table.ts); oauth4webapi would report a
  // WWW-Authenticate challenge as its own internals, and a bare 400 as "unexpected status".
  if (response.status !== 200) {
    const answer = await readRefreshAnswer(response);
    await response.body?.cancel().catch(() => undefined);
    throw refusalError(answer, classifyRefreshAnswer(answer, { narrowed: !!request.scope, shapeProven: request.shapeProven }), request);
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
    const kept = rotatedTokens(raw);
    if (kept) return { ...kept, problem: `kept the answer of ${where} although it failed a check (${(error as Error).message})` };
    throw describeOAuthFailure(error, where, timeoutMs);
  }
}

/** The error the refresher throws for a refusal, by the table's class; the message quotes the issuer. */
function refusalError(answer: RefreshAnswer, row: RefusalRow, request: RequestFacts): Error {
  const { where, credentials, profile, scope } = request;
  const words = answerInWords(answer);
  const tagged = <E extends Error>(error: E): E => Object.assign(error, { refusal: row.id });
  switch (row.class) {
    case 'sign-in-again':
      return tagged(new InvalidGrantError(answer.error && !/^(invalid_grant|bad_refresh_token)$/.test(answer.error) && request.shapeProven
        ? `${where} no longer accepts the refresh token (${words}; a refresh of the same shape succeeded before, so it is the token that is refused)`
        : answer.error ? `${where} no longer accepts the refresh token (${words})` : `${where} refused the refresh token (${words})`));
    case 'scope':
      return tagged(new ScopeRefusedError(`${where} refused a refresh for scope "${scope}" (${words}).`));
    case 'client': {
      const login = loginCommand(profile.name);
      if (row.id === 'client-challenge' || row.id === 'invalid-client') {
        return tagged(new ClientRejectedError(`${where} refused ${clientInWords(credentials.method, credentials.client.client_id)} (${words}). `
          + `Your session is kept; its refresh token was not spent. ${clientAuthAdvice(credentials.method, credentials.client.client_id, login)}`));
      }
      if (row.id === 'unsupported-grant-type') {
        return tagged(new ClientRejectedError(`${where} does not let the client "${credentials.client.client_id}" refresh (${words}). Your session is kept until `
          + `its access token expires; ask the issuer's administrator to allow the refresh_token grant for that client.`));
      }
      if (row.id === 'refused-first-time') {
        return tagged(new ClientRejectedError(`${where} refused the refresh (${words}). No refresh with this client and endpoint has succeeded yet, so either `
          + `the refresh token is no longer valid there or the client "${credentials.client.client_id}" may not refresh this way. Your session is kept. `
          + `Sign in again (\`${login}\`); if the first refresh after that is refused the same way, ask the issuer's administrator about the client's refresh_token grant.`));
      }
      return tagged(new ClientRejectedError(`${where} refused the refresh request (${words}): check the issuer URL and the client "${credentials.client.client_id}" `
        + `(\`credshare doctor\` shows what the issuer offers). Your session is kept.`));
    }
    case 'transient':
      return tagged(answer.status !== undefined && answer.status >= 500
        ? new RefreshFailedError(`${where} answered HTTP ${answer.status}${answer.error ? ` (${words.replace(/^HTTP \d+ /, '')})` : ''}. Your credentials are kept; try again later.`)
        : answer.error ? new RefreshFailedError(`${where} cannot refresh now (${words}). Your credentials are kept; try again later.`)
          : new RefreshFailedError(`${where} answered with something credshare cannot use (${words}). Your credentials are kept; check the issuer URL.`));
  }
}



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
/** A connection reset or closed while it was being established: retried only when single-use-fetch.ts saw that nothing was written. */
const RESET_BEFORE_SENDING = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** True when the request certainly never reached the issuer (see refreshWithIssuer). */
function nothingWasSent(error: unknown): boolean {
  const codes = errorCodes(error);
  if (codes.length > 0 && codes.every((code) => NOTHING_SENT.has(code))) return true;
  return (error as { requestNotSent?: unknown } | undefined)?.requestNotSent === true && codes.length > 0 && codes.every((code) => RESET_BEFORE_SENDING.has(code));
}

/** Nothing was sent: the token is certainly unspent. Worded as Node's fetch failures are (issuer.ts). */
function notReached(where: string, error: RequestNotSentError, timeoutMs: number): RefreshFailedError {
  const code = describeCode(error);
  return code === 'failed'
    ? new RefreshFailedError(`${where} did not accept a connection within ${Math.round(timeoutMs / 1000)}s. Your credentials are kept; try again later.`, { cause: error })
    : new RefreshFailedError(`Cannot reach ${where} (${code}). Your credentials are kept; check your network and try again.`, { cause: error });
}

/**
 * A refresh request that was written and got no complete answer: the issuer may have
 * redeemed the token, and if it did, the new one went with the lost answer. The session is
 * kept, and the next call presents the token again once the cool-down is over; docs/design.md
 * ("A refresh request without an answer") says why that, and not an immediate retry or a
 * forced sign-in, is what keeps the most sessions alive across issuers.
 */
function possiblyRedeemed(profile: Profile, where: string, error: RequestUnansweredError): RefreshFailedError {
  const what = error.timedOut
    ? `did not answer the refresh request within ${Math.round(error.waitedMs / 1000)}s (counting only the time this process was running)`
    : `dropped the connection after the refresh request was sent, before answering it (${describeCode(error)})`;
  return new RefreshFailedError(`${where} ${what}. Your credentials are kept; try again later. `
    + `If the issuer used up the refresh token all the same, its answer held the new one, and the next refresh will be refused: then run \`${loginCommand(profile.name)}\`.`, { cause: error });
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
