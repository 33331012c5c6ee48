import { UsageError } from '../../core/errors';
import { isLoopback } from '../../core/oauth/loopback';
import type { Profile } from '../../core/profile';

/**
 * The port a URL without one means. `grpc:`/`grpcs:` are not special schemes to the URL
 * parser, so it keeps their port as written; Bazel dials 443 for `grpcs://host` and 80
 * for `grpc://host`, so those are their defaults here too.
 */
export const DEFAULT_PORTS: Record<string, string> = { 'https:': '443', 'grpcs:': '443', 'http:': '80', 'grpc:': '80' };

/** Schemes whose connection is encrypted and checks the server's certificate. */
export const TLS_SCHEMES: ReadonlySet<string> = new Set(['https:', 'grpcs:']);

/**
 * Whether a helper may hand this profile's token to this URL. Two rules, both required:
 * - the connection: HTTPS or `grpcs:` (Bazel's remote cache, execution and BES), or
 *   plain `http:`/`grpc:` only to loopback;
 * - the host: one of the profile's `hosts`, where an entry with a port (`host:8443`)
 *   matches that port only, an entry without one matches the scheme's default port
 *   only (443 for https/grpcs, 80 for http/grpc), and `*.suffix` matches subdomains on
 *   the default port. So `localhost` never matches `http://localhost:8080`, where any
 *   local user can listen; a service on another port is named with its port, as git's
 *   `credential.<url>` and docker's `credHelpers` keys name it too.
 * Anything else (another host, `file:`, `ssh:`) gets nothing.
 */
export function mayReceiveToken(url: URL, profile: Profile): boolean {
  if (!TLS_SCHEMES.has(url.protocol) && !((url.protocol === 'http:' || url.protocol === 'grpc:') && isLoopback(url))) return false;
  const hostname = url.hostname.toLowerCase();
  const port = url.port || DEFAULT_PORTS[url.protocol]!;
  return profile.hosts.some((entry) => {
    const { host, port: entryPort } = splitHostEntry(entry);
    if ((entryPort ?? DEFAULT_PORTS[url.protocol]) !== port) return false;
    if (host.startsWith('*.')) return hostname.endsWith(host.slice(1)) && hostname.length > host.length - 1;
    return host === hostname;
  });
}

/** `host`, `host:port`, `[v6]`, `[v6]:port` → host (brackets kept, as URL.hostname has them) and port. */
export function splitHostEntry(entry: string): { host: string; port?: string } {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(entry.toLowerCase());
  if (!match) return { host: entry.toLowerCase() };
  return { host: match[1]!, port: match[2] };
}

/**
 * Characters no URL a tool means holds, which the WHATWG parser would quietly reinterpret:
 * a backslash (read as "/" in http(s) URLs, so `https://good.example.com\@evil.com/` has
 * host good.example.com here but evil.com to a client that reads RFC 3986), and C0
 * controls and DEL (a tab, CR or LF anywhere is dropped, so `good.exa<TAB>mple.com`
 * becomes good.example.com). The git protocol refuses them field by field (git.ts).
 */
const UNSAFE_URL_CHARACTER = /[\\\u0000-\u001f\u007f]/;

/**
 * Parses a URL a tool handed us (Bazel's uri, docker's server URL, cargo's index URL,
 * kubectl's cluster server, git's url field); a bare host (docker's habit) means https.
 * Undefined if hopeless. A backslash or a control character is refused (a usage error
 * naming the URL), never matched against the profiles' hosts.
 */
export function parseToolUrl(value: string): URL | undefined {
  const text = value.replace(/^[ \r\n]+|[ \r\n]+$/g, '');
  if (text === '') return undefined;
  if (UNSAFE_URL_CHARACTER.test(text)) {
    throw new UsageError(`the URL ${JSON.stringify(text.split('?')[0]!.slice(0, 80))} holds a backslash or a control character, which clients read differently; no credentials given.`);
  }
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:/i.test(text) && !/^[^/:]+:\d+(\/|$)/.test(text) ? text : `https://${text}`);
  } catch {
    return undefined;
  }
}
