import type { Config } from '../../core/profile';
import { describeHostEntry, hostPortOf, whyNot } from '../protocols/host-explain';
import { mayReceiveToken, parseToolUrl, splitHostEntry } from '../protocols/host-match';

type Row = (label: string, text: string, problem?: string) => void;

/** `doctor`'s Helpers rows: each profile's hosts with the port rule each one stands for. */
export function helperHostRows(config: Config, pinned: string | undefined, row: Row): void {
  Object.values(config.profiles).forEach((p, i) => {
    row(i === 0 ? 'Helpers' : '', `profile ${p.name} answers for ${p.hosts.length ? p.hosts.map(describeHostEntry).join(', ') : 'no host (no "hosts" in its profile)'}`);
  });
  row('', 'any other host or port gets no credentials (a host without a port means https port 443, or http port 80 on loopback)'
    + (pinned ? `; $CREDSHARE_PROFILE limits helpers to "${pinned}"` : ''));
}

/**
 * `doctor --url URL`: which profile a helper would answer this URL with, and why; or why
 * none would, profile by profile. The same rules as the helpers (host-match.ts), and the
 * same choice: the pinned profile only (--profile, $CREDSHARE_PROFILE), else the first
 * whose hosts match.
 */
export function urlRows(config: Config, text: string, pinned: string | undefined, row: Row): void {
  let url: URL | undefined;
  try {
    url = parseToolUrl(text);
  } catch (error) {
    row('URL', JSON.stringify(text.slice(0, 80)), `${(error as Error).message} Every helper refuses it the same way.`);
    return;
  }
  if (!url) { row('URL', JSON.stringify(text.slice(0, 80)), 'not a URL the helpers can read'); return; }
  const candidates = pinned ? [config.profiles[pinned]].filter((p) => p !== undefined) : Object.values(config.profiles);
  const answering = candidates.find((p) => mayReceiveToken(url, p));
  if (answering) {
    const entry = answering.hosts.find((h) => mayReceiveToken(url, { ...answering, hosts: [h] }))!;
    const port = splitHostEntry(entry).port;
    row('URL', `${hostPortOf(url)}: profile "${answering.name}" answers${pinned ? ` (the only one asked: ${pinned})` : ''}: its host "${entry}" matches `
      + `${port ? `port ${port}` : `the default port of ${url.protocol.slice(0, -1)}`}`);
    return;
  }
  row('URL', `${hostPortOf(url)}: no profile answers${pinned ? ` (only profile "${pinned}" is asked)` : ''}`, 'a helper gives no credentials for this URL');
  if (candidates.length === 0) row('', 'there are no profiles to answer it');
  for (const p of candidates) row('', `profile ${p.name}: ${whyNot(url, p)}`);
}
