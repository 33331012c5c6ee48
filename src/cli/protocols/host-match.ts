import { isLoopback } from '../../core/oauth/loopback';
import type { Profile } from '../../core/profile';

/**
 * Whether a helper may hand this profile's token to this URL: the host must be one of
 * the profile's `hosts` (exact, `host:port`, or a `*.suffix` wildcard), over HTTPS, or
 * plain HTTP on loopback. Anything else (another host, `file:`, `ssh:`) gets nothing.
 */
export function mayReceiveToken(url: URL, profile: Profile): boolean {
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url))) return false;
  const hostname = url.hostname.toLowerCase();
  const hostWithPort = url.port ? `${hostname}:${url.port}` : hostname;
  return profile.hosts.some((entry) => {
    if (entry.startsWith('*.')) return hostname.endsWith(entry.slice(1)) && hostname.length > entry.length - 1;
    return entry.includes(':') && !entry.startsWith('[') ? entry === hostWithPort : entry === hostname || entry === hostWithPort;
  });
}

/** Parses a URL a tool handed us; a bare host (docker's habit) means https. Undefined if hopeless. */
export function parseToolUrl(value: string): URL | undefined {
  const text = value.trim();
  if (text === '') return undefined;
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:/i.test(text) && !/^[^/:]+:\d+(\/|$)/.test(text) ? text : `https://${text}`);
  } catch {
    return undefined;
  }
}
