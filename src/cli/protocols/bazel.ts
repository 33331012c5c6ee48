import { UsageError } from '../../core/errors';
import type { Session } from '../../core/session';
import { parseToolUrl } from './host-match';

/**
 * Bazel's credential-helper protocol (the "Credential Helper Protocol" spec): `get`
 * reads `{"uri": "https://..."}` (or `grpcs://` for remote cache, execution and BES)
 * and answers `{"headers": {...}, "expires": RFC 3339}`; `{"headers": {}}` means "no
 * credentials for this URI".
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
    expires: rfc3339Seconds(session.expiresAt),
  }) + '\n';
}

/**
 * RFC 3339 in UTC with whole seconds, rounded down so Bazel never caches past the real
 * expiry. Bazel parses `expires` with `yyyy-MM-dd'T'HH:mm:ssXXX` (GetCredentialsResponse
 * in bazelbuild/bazel), which rejects a fraction: `...:52.341Z` fails the whole fetch.
 */
export function rfc3339Seconds(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
