/**
 * Whether a token endpoint's answer to a refresh is a refusal without an OAuth error
 * body: HTTP 400 or 401 whose body is not a JSON object with a string `error` (RFC 6749
 * section 5.2). Real issuers answer a dead refresh token so (an empty 400), and such an
 * answer must be treated like `invalid_grant`. Returns how to describe it, or undefined
 * when the answer is something else (a parseable error, 429, 5xx, a success).
 */
export function refusalWithoutError(status: number, body: string | undefined): string | undefined {
  if (status !== 400 && status !== 401) return undefined;
  if (hasOAuthError(body)) return undefined;
  const text = body?.trim() ?? '';
  return `HTTP ${status} ${text === '' ? 'with an empty body' : 'without an OAuth error'}`;
}

function hasOAuthError(body: string | undefined): boolean {
  if (body === undefined) return false;
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      && typeof (parsed as { error?: unknown }).error === 'string' && (parsed as { error: string }).error !== '';
  } catch {
    return false;
  }
}
