import type { RefreshAnswer } from './refusal-table';

/**
 * The answer as the spec would have it: GitHub's token endpoint answers errors with HTTP
 * 200 and the OAuth error in the body (authorization_pending while a device code waits,
 * bad_refresh_token for a dead refresh token). Such an answer, a 200 whose JSON body has
 * an `error` and no `access_token`, becomes a 400 with the same body, so that oauth4webapi
 * reports it as the OAuth error it is instead of "access_token missing".
 */
const AS_400 = 'Bad Request (HTTP 200 with an OAuth error)';

export async function withErrorStatus(response: Response): Promise<Response> {
  if (response.status !== 200) return response;
  const text = await response.clone().text().catch(() => undefined);
  const error = oauthErrorOf(text);
  if (!error || error.hasAccessToken) return response;
  await response.body?.cancel().catch(() => undefined);
  const headers = new Headers(response.headers);
  headers.set('content-type', 'application/json');
  return new Response(text, { status: 400, statusText: AS_400, headers });
}

/**
 * The facts of a token endpoint's error answer for the refusal table (refusal-table.ts):
 * status, OAuth error and description from the body, the scheme of a WWW-Authenticate
 * challenge (RFC 6749 §5.2 has one answer a failed Basic authentication). Reads a clone;
 * the caller still owns `response`.
 */
export async function readRefreshAnswer(response: Response): Promise<RefreshAnswer> {
  const text = await response.clone().text().catch(() => undefined);
  const body = oauthErrorOf(text);
  const answer: RefreshAnswer = { status: response.status, ...(response.statusText === AS_400 ? { statusSent: 200 } : {}) };
  if (body) {
    answer.error = body.error;
    if (body.description) answer.description = body.description;
  } else if ((text ?? '').trim() === '') answer.empty = true;
  const challenge = response.headers.get('www-authenticate');
  if (challenge !== null) {
    const scheme = /^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)/.exec(challenge)?.[1];
    answer.challenge = scheme ?? 'unreadable';
    // An error in the challenge (`Basic error="invalid_client"`) counts where the body has none.
    const inChallenge = /\berror="?([a-z_]+)"?/i.exec(challenge)?.[1];
    if (!answer.error && inChallenge) answer.error = inChallenge;
  }
  return answer;
}

function oauthErrorOf(body: string | undefined): { error: string; description?: string; hasAccessToken: boolean } | undefined {
  if (body === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const { error, error_description: description, access_token: accessToken } = parsed as { error?: unknown; error_description?: unknown; access_token?: unknown };
    if (typeof error !== 'string' || error === '') return undefined;
    return { error, hasAccessToken: accessToken !== undefined, ...(typeof description === 'string' && description ? { description } : {}) };
  } catch {
    return undefined;
  }
}
