/**
 * Whether a token endpoint's answer to a refresh is a refusal without an OAuth error
 * body: HTTP 400 or 401 whose body is not a JSON object with a string `error` (RFC 6749
 * section 5.2). Real issuers answer a dead refresh token so (an empty 400), and such an
 * answer must be treated like `invalid_grant`. Returns how to describe it, or undefined
 * when the answer is something else (a parseable error, 429, 5xx, a success).
 */
export function refusalWithoutError(status: number, body: string | undefined): string | undefined {
  if (status !== 400 && status !== 401) return undefined;
  if (oauthErrorOf(body)) return undefined;
  const text = body?.trim() ?? '';
  return `HTTP ${status} ${text === '' ? 'with an empty body' : 'without an OAuth error'}`;
}

/**
 * Error codes that mean "this refresh token is dead", as issuers spell it: RFC 6749's
 * invalid_grant, and GitHub's bad_refresh_token ("The refresh token is invalid or has
 * expired", GitHub docs, "Refreshing user access tokens").
 */
export const DEAD_REFRESH_TOKEN_ERRORS: ReadonlySet<string> = new Set(['invalid_grant', 'bad_refresh_token']);

/**
 * The answer as the spec would have it: GitHub's token endpoint answers errors with HTTP
 * 200 and the OAuth error in the body (authorization_pending while a device code waits,
 * bad_refresh_token for a dead refresh token). Such an answer, a 200 whose JSON body has
 * an `error` and no `access_token`, becomes a 400 with the same body, so that oauth4webapi
 * reports it as the OAuth error it is instead of "access_token missing".
 */
export async function withErrorStatus(response: Response): Promise<Response> {
  if (response.status !== 200) return response;
  const text = await response.clone().text().catch(() => undefined);
  const error = oauthErrorOf(text);
  if (!error || error.hasAccessToken) return response;
  await response.body?.cancel().catch(() => undefined);
  const headers = new Headers(response.headers);
  headers.set('content-type', 'application/json');
  return new Response(text, { status: 400, statusText: 'Bad Request (HTTP 200 with an OAuth error)', headers });
}

function oauthErrorOf(body: string | undefined): { error: string; hasAccessToken: boolean } | undefined {
  if (body === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const { error, access_token: accessToken } = parsed as { error?: unknown; access_token?: unknown };
    return typeof error === 'string' && error !== '' ? { error, hasAccessToken: accessToken !== undefined } : undefined;
  } catch {
    return undefined;
  }
}
