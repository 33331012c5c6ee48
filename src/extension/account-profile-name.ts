// The profile name an account gets when it is signed in beside the others. No vscode import.
// The rule and the label-to-name cleaning are core's (src/core/profile-name.ts), the one
// place every entry point checks names against.
export { isValidProfileName, profileNameFrom } from '../core/profile-name';

const MAX_LENGTH = 64;

/** `base`, else `base-2`, `base-3`, ... (cut so that the suffix fits): the first that `free` accepts. */
export function firstFreeName(base: string, free: (name: string) => boolean): string {
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? '' : `-${n}`;
    const stem = base.slice(0, MAX_LENGTH - suffix.length).replace(/[^A-Za-z0-9]+$/, '') || 'account';
    const name = stem + suffix;
    if (free(name)) return name;
  }
}
