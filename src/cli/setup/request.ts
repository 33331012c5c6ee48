import type { Profile } from '../../core/profile';
import type { CliContext } from '../context';
import type { CredshareBins } from './bins';

/** What one `credshare setup <tool>` run works with. */
export interface SetupRequest {
  ctx: CliContext;
  profile: Profile;
  /** `['--profile', name]` when the profile is not the default one, so tools ask for it by name; else []. */
  profileArgs: string[];
  bins: CredshareBins;
  undo: boolean;
  /** --bazelrc FILE, --kubeconfig FILE. */
  bazelrc?: string;
  kubeconfig?: string;
  /** Prints one line of the report of what changed (stdout). */
  say: (line: string) => void;
  /** Prints a warning (stderr): a directory other users can write, about to be written into. */
  warn: (line: string) => void;
}

/** Quotes a word for /bin/sh only when it needs it (git runs `!` helpers through the shell). */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The profile's host entries that name one host (no `*.` wildcard), for tools that key by host. */
export function exactHosts(profile: Profile): string[] {
  return profile.hosts.filter((h) => !h.startsWith('*.'));
}
