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
  const path = fields.get('path') ?? '';
  for (const [key, value] of [['url', explicit], ['protocol', protocol], ['host', host], ['path', path]] as const) {
    if (value !== undefined && CONTROL.test(value)) refuse(key, value, 'holds a control character');
  }
  if (explicit !== undefined) return { url: parseToolUrl(explicit), password: fields.get('password') };
  if (!protocol || !host) return { url: undefined, password: fields.get('password') };
  // Checked one by one before they are joined: git and curl refuse these tricks today, but
  // a host like "evil.example@artifacts.example.com" or "artifacts.example.com/@evil" must
  // never be matched against the profile's hosts as if it named one of them.
  if (protocol !== 'https' && protocol !== 'http') return { url: undefined, password: fields.get('password') };
  if (!HOST.test(host)) refuse('host', host, 'is not a host name with an optional port (no "/", "@", "?", "#", "\\", "%" or spaces)');
  return { url: parseToolUrl(`${protocol}://${host}/${path}`), password: fields.get('password') };
}

/** C0 controls and DEL: never part of a URL git means (a tab or CR would be silently dropped by the URL parser). */
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A DNS name or IPv4 address, or a bracketed IPv6 literal, with an optional port. */
const HOST = /^(?:[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

function refuse(key: string, value: string, problem: string): never {
  throw new UsageError(`git credential helper: the "${key}" field (${JSON.stringify(value.slice(0, 80))}) ${problem}; no credentials given.`);
}

/** The `get` answer. The token is the password; git sends it as HTTP Basic. */
export function formatGitResponse(session: Session | undefined): string {
  if (!session) return '';
  return `username=oauth2\npassword=${session.accessToken}\npassword_expiry_utc=${Math.floor(session.expiresAt / 1000)}\n`;
}
