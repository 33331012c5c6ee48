import { UsageError } from '../../core/errors';
import type { Session } from '../../core/session';
import { parseToolUrl } from './host-match';

/** What git told the helper: the URL it is about and, for `erase`, the password it used. */
export interface GitRequest {
  url: URL | undefined;
  password?: string;
}

/**
 * git's credential-helper protocol (gitcredentials(7)): `key=value` lines on standard
 * input; `get` answers `username`, `password` and `password_expiry_utc`, or nothing.
 */
export function parseGitRequest(input: string): GitRequest {
  const fields = new Map<string, string>();
  for (const line of input.split('\n')) {
    if (line.trim() === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new UsageError(`git credential helper: malformed line on standard input (expected key=value): "${line.slice(0, 40)}"`);
    fields.set(line.slice(0, eq), line.slice(eq + 1).replace(/\r$/, ''));
  }
  const explicit = fields.get('url');
  const protocol = fields.get('protocol');
  const host = fields.get('host');
  const url = explicit !== undefined
    ? parseToolUrl(explicit)
    : protocol && host ? parseToolUrl(`${protocol}://${host}/${fields.get('path') ?? ''}`) : undefined;
  return { url, password: fields.get('password') };
}

/** The `get` answer. The token is the password; git sends it as HTTP Basic. */
export function formatGitResponse(session: Session | undefined): string {
  if (!session) return '';
  return `username=oauth2\npassword=${session.accessToken}\npassword_expiry_utc=${Math.floor(session.expiresAt / 1000)}\n`;
}
