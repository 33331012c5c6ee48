import { UsageError } from '../../core/errors';
import type { Session } from '../../core/session';
import { parseToolUrl } from './host-match';

/**
 * Bazel's credential-helper protocol (the "Credential Helper Protocol" spec): `get`
 * reads `{"uri": "https://..."}` and answers `{"headers": {...}, "expires": RFC 3339}`;
 * `{"headers": {}}` means "no credentials for this URI".
 */
export function parseBazelRequest(input: string): URL | undefined {
  let request: unknown;
  try {
    request = JSON.parse(input);
  } catch {
    throw new UsageError('Bazel credential helper: standard input is not JSON; expected {"uri": "https://..."}.');
  }
  const uri = (request as { uri?: unknown } | null)?.uri;
  if (typeof uri !== 'string') throw new UsageError('Bazel credential helper: the request has no "uri" string.');
  return parseToolUrl(uri);
}

export function formatBazelResponse(session: Session | undefined): string {
  if (!session) return '{"headers":{}}\n';
  return JSON.stringify({
    headers: { Authorization: [`Bearer ${session.accessToken}`] },
    expires: new Date(session.expiresAt).toISOString(),
  }) + '\n';
}
