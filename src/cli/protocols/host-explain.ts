import { isLoopback } from '../../core/oauth/loopback';
import type { Profile } from '../../core/profile';
import { DEFAULT_PORTS, mayReceiveToken, splitHostEntry, TLS_SCHEMES } from './host-match';

/**
 * Why a helper answers a URL or not, in words: the rules of {@link mayReceiveToken}, for
 * `credshare doctor` and for the one line a helper writes on standard error when no
 * profile answers (issue 16, finding 8). Only scheme, host and port of a URL are ever
 * shown: a tool's URL may carry a signed query or user information.
 */

/** `https://host:port`, the part of a URL that decides, with the port always written out. */
export function hostPortOf(url: URL): string {
  return `${url.protocol}//${url.hostname}:${url.port || DEFAULT_PORTS[url.protocol] || '?'}`;
}

/** A host entry of a profile and the rule it stands for, e.g. `artifacts.example.com (https, port 443 only)`. */
export function describeHostEntry(entry: string): string {
  const { host, port } = splitHostEntry(entry);
  const loopback = URL.canParse(`http://${host.replace(/^\*\./, '')}`) && isLoopback(new URL(`http://${host.replace(/^\*\./, '')}`));
  const schemes = loopback ? 'https or http' : 'https';
  const what = host.startsWith('*.') ? `subdomains of ${host.slice(2)}, ` : '';
  if (port) return `${entry} (${what}${schemes}, port ${port} only)`;
  return `${entry} (${what}${loopback ? 'https port 443, http port 80' : 'https port 443'} only)`;
}

/** Why `profile` would not answer `url`; undefined when it would. */
export function whyNot(url: URL, profile: Profile): string | undefined {
  if (mayReceiveToken(url, profile)) return undefined;
  if (!TLS_SCHEMES.has(url.protocol) && !((url.protocol === 'http:' || url.protocol === 'grpc:') && isLoopback(url))) {
    return url.protocol === 'http:' || url.protocol === 'grpc:'
      ? `${url.protocol} is answered only on loopback (127.0.0.1, ::1, localhost); use https`
      : `${url.protocol} URLs are never answered (https, grpcs, or http/grpc on loopback only)`;
  }
  if (profile.hosts.length === 0) return 'it lists no hosts';
  const hostname = url.hostname.toLowerCase();
  const port = url.port || DEFAULT_PORTS[url.protocol]!;
  const sameHost = profile.hosts.filter((entry) => {
    const { host } = splitHostEntry(entry);
    return host.startsWith('*.') ? hostname.endsWith(host.slice(1)) && hostname.length > host.length - 1 : host === hostname;
  });
  if (sameHost.length === 0) return `${hostname} is not one of its hosts`;
  return `${sameHost.map((e) => `"${e}" means port ${splitHostEntry(e).port ?? DEFAULT_PORTS[url.protocol]}`).join(', ')}, and the URL is on port ${port}: `
    + `add "${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}" to its hosts if that service should get the token`;
}

/**
 * The one line a helper writes on standard error when no profile answers `url`: the
 * host:port asked for, and the hosts of the profiles that were considered.
 */
export function noProfileLine(url: URL, profiles: Profile[], pinned?: { name: string; by: string }): string {
  const considered = profiles.map((p) => `${p.name}: ${p.hosts.length ? p.hosts.join(', ') : 'no hosts'}`).join('; ');
  const reasons = profiles.length === 1 ? ` (${whyNot(url, profiles[0]!) ?? 'no match'})` : '';
  return `credshare: no credentials for ${hostPortOf(url)}: ${pinned ? `profile "${pinned.name}" (${pinned.by}) does not answer it` : 'no profile answers it'}${reasons}; `
    + `${profiles.length ? `hosts ${considered}` : 'there are no profiles'}. A host without a port means port 443 (http: port 80). \`credshare doctor --url URL\` explains.\n`;
}
