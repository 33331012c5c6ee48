import type { TokenEndpointAuthMethod } from '../profile';

/**
 * THE table of what a token endpoint's answer to a refresh means (docs/issuers.md,
 * "What a refused refresh means"). Every consumer goes through it: the refresher decides
 * with it which error to throw, the coordinator records the class for the processes that
 * waited, and `status`, `doctor` and the extension describe the recorded class. There is
 * no second copy of these rules anywhere.
 */

/** What came back to one refresh request, as the table reads it. Nothing secret is kept. */
export interface RefreshAnswer {
  /** The HTTP status; absent when no answer came. */
  status?: number;
  /** Why no answer came: a timeout, or the connection failed (refused, reset, DNS). */
  noAnswer?: 'timeout' | 'network';
  /** The OAuth error code (RFC 6749 §5.2) from the body, or from a WWW-Authenticate challenge. */
  error?: string;
  /** The issuer's own words (`error_description`), redacted by the caller. */
  description?: string;
  /** The auth-scheme of a WWW-Authenticate challenge (e.g. "Basic"), when the answer carried one. */
  challenge?: string;
  /** The body was empty (only said of an answer without an OAuth error). */
  empty?: boolean;
  /** The status the issuer really sent, where it differs (GitHub's errors come with HTTP 200; `status` is then 400). */
  statusSent?: number;
}

/** What the refresher knows besides the answer. */
export interface RefreshCircumstances {
  /** The request asked for a narrower `scope` than the grant's (RFC 6749 §6). */
  narrowed: boolean;
  /**
   * A refresh with the same request shape (token endpoint, client id, client authentication
   * method, scope parameter) succeeded before (refresh-state.json remembers the shapes).
   * Then only the refresh token differs from a request the issuer accepted.
   */
  shapeProven: boolean;
}

/**
 * - `sign-in-again`: the refresh token is dead. Exit 3; the session is removed, the token
 *   recorded as spent (never presented again); `status` and `doctor` say so.
 * - `client`: the issuer refused the client (its credentials, its registration, the
 *   endpoint), not the token. Exit 1; the session is kept, the token not spent; the
 *   message says what to check.
 * - `transient`: the issuer did not do the work. Exit 1; the session is kept; the next
 *   process asks again after a cool-down (or the issuer's Retry-After).
 * - `scope`: a narrowed refresh was refused; the token was not spent (coordinator: the
 *   grant's own token serves, or a sign-in for the union).
 */
export type RefusalClass = 'sign-in-again' | 'client' | 'transient' | 'scope';

export interface RefusalRow {
  /** Stable: named in docs/issuers.md and recorded in refresh-state.json. */
  id: string;
  /** The answer, in words (for docs/issuers.md). */
  answer: string;
  class: RefusalClass;
  /** Why this class (for docs/issuers.md). */
  why: string;
  matches(answer: RefreshAnswer, circumstances: RefreshCircumstances): boolean;
}

/** RFC 6749 §5.2 codes and GitHub's, by what they say about the token. */
const DEAD = new Set(['invalid_grant', 'bad_refresh_token']);
const BUSY = new Set(['temporarily_unavailable', 'server_error']);
const NARROWING_REFUSED = new Set(['invalid_scope', 'invalid_request', 'unauthorized_client']);

const isRefusalStatus = (a: RefreshAnswer): boolean => a.status === 400 || a.status === 401;

/** First match wins; the last row matches everything. */
export const REFUSAL_TABLE: readonly RefusalRow[] = [
  {
    id: 'no-answer',
    answer: 'no answer: connection refused or reset, name not resolved, timeout',
    class: 'transient',
    why: 'The issuer may be down or unreachable. A connection refused before anything was sent is retried at once (bounded); a request that may have arrived is not retried within the call, because a second presentation while the issuer may still be redeeming the token would look like theft. The next call after the cool-down presents the token once more (docs/design.md, "A refresh request without an answer"), and the message says to sign in if that is refused.',
    matches: (a) => a.noAnswer !== undefined,
  },
  {
    id: 'busy',
    answer: 'HTTP 429, or 503',
    class: 'transient',
    why: 'The issuer says it did not do the work; Retry-After is honoured (up to 5 s in place, longer as a cool-down that every process respects).',
    matches: (a) => a.status === 429 || a.status === 503,
  },
  {
    id: 'server-error',
    answer: 'any other HTTP 5xx',
    class: 'transient',
    why: 'An outage says nothing about the token. Not retried in place (the issuer may have redeemed it before failing); the next process asks after the cool-down.',
    matches: (a) => a.status !== undefined && a.status >= 500,
  },
  {
    id: 'temporarily-unavailable',
    answer: '`temporarily_unavailable` or `server_error`, at any status',
    class: 'transient',
    why: 'RFC 6749 defines these for an issuer that cannot handle the request now; some token endpoints send them with HTTP 400.',
    matches: (a) => a.error !== undefined && BUSY.has(a.error),
  },
  {
    id: 'client-challenge',
    answer: 'HTTP 401 with a `WWW-Authenticate` challenge (e.g. `Basic`)',
    class: 'client',
    why: 'RFC 6749 §5.2: the answer to client credentials in an Authorization header that fail. The issuer judged the client before the token, so the token is not spent (LemonLDAP::NG 2.16 and oidc-provider answer a wrong Basic secret so).',
    matches: (a) => a.status === 401 && a.challenge !== undefined,
  },
  {
    id: 'invalid-client',
    answer: '`invalid_client` (GitHub: `incorrect_client_credentials`)',
    class: 'client',
    why: 'Client authentication failed (RFC 6749 §5.2): a rotated or mistyped secret, a secret sent by a method the issuer does not take, a client that no longer exists. Signing in again with the same settings would fail the same way; the message says what to check.',
    matches: (a) => a.error === 'invalid_client' || a.error === 'incorrect_client_credentials',
  },
  {
    id: 'dead-refresh-token',
    answer: '`invalid_grant`, or GitHub\'s `bad_refresh_token`',
    class: 'sign-in-again',
    why: 'RFC 6749 §5.2: the refresh token is invalid, expired, revoked or was issued to another client.',
    matches: (a) => a.error !== undefined && DEAD.has(a.error),
  },
  {
    id: 'narrowed-scope-refused',
    answer: '`invalid_scope`, `invalid_request` or `unauthorized_client` to a refresh that asked for a narrower scope',
    class: 'scope',
    why: 'RFC 6749 §6 lets a refresh ask for less; an issuer that cannot narrow refuses that request, not the token. The grant\'s own token serves instead (or, for scopes the grant lacks, a sign-in for the union).',
    matches: (a, c) => c.narrowed && a.error !== undefined && NARROWING_REFUSED.has(a.error),
  },
  {
    id: 'grant-scope-refused',
    answer: '`invalid_scope` to a refresh of the grant\'s own scope (no `scope` sent)',
    class: 'sign-in-again',
    why: 'The issuer no longer grants what the sign-in holds (a scope withdrawn from the client): only a new sign-in can get a grant it will refresh.',
    matches: (a, c) => !c.narrowed && a.error === 'invalid_scope',
  },
  {
    id: 'unsupported-grant-type',
    answer: '`unsupported_grant_type`',
    class: 'client',
    why: 'The issuer does not let this client refresh at all: its administrator must allow the refresh_token grant. Signing in again would not help.',
    matches: (a) => a.error === 'unsupported_grant_type',
  },
  {
    id: 'refused-after-success',
    answer: 'HTTP 400 or 401 with any other error (`invalid_request`, `unauthorized_client`, ...) or none, to a request shaped like one that succeeded before',
    class: 'sign-in-again',
    why: 'Only the refresh token differs from a request the issuer accepted (same endpoint, client, authentication method and scope), so the refusal is about the token. LemonLDAP::NG 2.16 answers an unknown, expired or deleted refresh token with 400 `invalid_request`; others use `unauthorized_client`.',
    matches: (a, c) => c.shapeProven && isRefusalStatus(a),
  },
  {
    id: 'bare-refusal',
    answer: 'HTTP 400 or 401 without an OAuth error body (empty, HTML, other JSON)',
    class: 'sign-in-again',
    why: 'glewlwyd 2.7 answers every dead refresh token so (unknown, expired, reused), and it also disables a token presented with a wrong client secret before answering the same way: the session is gone in every case.',
    matches: (a) => isRefusalStatus(a) && a.error === undefined,
  },
  {
    id: 'refused-first-time',
    answer: 'HTTP 400 or 401 with another error (`invalid_request`, `unauthorized_client`, ...), before any refresh of this shape succeeded',
    class: 'client',
    why: 'Either the token is dead (as in `refused-after-success`) or the request itself is wrong for this issuer (the client may not use the refresh_token grant, a parameter is missing). Removing the session would not fix the latter; the message says both and what to do. Presenting the token again later is harmless: the issuer refused it without redeeming it.',
    matches: (a) => isRefusalStatus(a),
  },
  {
    id: 'other-client-error',
    answer: 'any other HTTP 4xx (403, 404, 405, ...)',
    class: 'client',
    why: 'The endpoint or the client\'s registration is wrong (glewlwyd answers a client that may not use a grant with 403 `unauthorized_client`); the token says nothing.',
    matches: (a) => a.status !== undefined && a.status >= 400 && a.status < 500,
  },
  {
    id: 'unusable-answer',
    answer: 'anything else (HTTP 200 without tokens, a redirect, a captive portal\'s page)',
    class: 'transient',
    why: 'Not an answer from the issuer credshare can read; the message asks to check the issuer URL.',
    matches: () => true,
  },
];

/** The row for an answer (the table's last row matches everything). */
export function classifyRefreshAnswer(answer: RefreshAnswer, circumstances: RefreshCircumstances): RefusalRow {
  return REFUSAL_TABLE.find((row) => row.matches(answer, circumstances))!;
}

/** The CLI's exit code for a class (docs/design.md: 1 failure, 3 sign-in needed). */
export function exitCodeOf(refusal: RefusalClass): 1 | 3 {
  return refusal === 'sign-in-again' || refusal === 'scope' ? 3 : 1;
}

/** "HTTP 400 invalid_request: the issuer's words", as messages quote an answer. */
export function answerInWords(answer: RefreshAnswer): string {
  if (answer.noAnswer) return answer.noAnswer === 'timeout' ? 'no answer in time' : 'no connection';
  const error = answer.error ? ` ${answer.error}${answer.description ? `: ${answer.description}` : ''}` : '';
  const challenge = answer.challenge ? `${error ? ',' : ''} WWW-Authenticate: ${answer.challenge}` : '';
  const bare = error || challenge ? '' : answer.empty ? ' with an empty body' : ' without an OAuth error';
  return `HTTP ${answer.statusSent ?? answer.status}${error}${challenge}${bare}`;
}

/**
 * What to try when the issuer refused the client's credentials, by the method credshare
 * used: at sign-in, refresh and revocation alike.
 */
export function clientAuthAdvice(method: TokenEndpointAuthMethod, clientId: string, login: string): string {
  switch (method) {
    case 'client_secret_basic':
      return `Check the client secret of "${clientId}" (sign in again with \`${login} --client-secret-stdin\` to store the current one); `
        + `if the issuer takes the secret only in the request body, add \`--token-endpoint-auth-method client_secret_post\`.`;
    case 'client_secret_post':
      return `Check the client secret of "${clientId}" (sign in again with \`${login} --client-secret-stdin\` to store the current one); `
        + `if the issuer takes the secret only as HTTP Basic authentication, add \`--token-endpoint-auth-method client_secret_basic\`.`;
    case 'none':
      return `credshare sent no client secret (method none): if the issuer registered "${clientId}" as a confidential client, `
        + `give its secret with \`${login} --client-secret-stdin\`; otherwise check the client id.`;
  }
}

/** "the client "id" (client_secret_basic)": who authenticated, and how; never the secret. */
export function clientInWords(method: TokenEndpointAuthMethod, clientId: string): string {
  return method === 'none' ? `the client "${clientId}" (no client authentication, method none)` : `the client "${clientId}" (authenticated with ${method})`;
}
