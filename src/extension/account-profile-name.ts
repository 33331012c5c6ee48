// The profile name an account gets when it is signed in beside the others. No vscode import.
//
// A minimal profile-name rule, the same as the one the security part of issue 16 puts in
// src/core (one place for every entry point); until that lands, this file holds the
// extension's copy, so that a name made from an account label is valid there too.

/**
 * Letters, digits, then also `.`, `_`, `-`, `@` and `+` (an e-mail address is a name as it
 * is), 1 to 64 characters, starting with a letter or digit: nothing that means anything in
 * the files a profile name ends up in (`.bazelrc` markers, helper command lines, kubeconfig
 * user names, environment variables).
 */
export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;

export function isValidProfileName(name: string): boolean {
  return PROFILE_NAME.test(name);
}

const MAX_LENGTH = 64;

/**
 * A valid profile name from an account label (`alice@example.com` stays as it is;
 * "Alice Example" becomes `Alice-Example`): accents dropped, every run of other characters
 * one `-`, leading and trailing punctuation gone, at most 64 characters; `account` when
 * nothing is left.
 */
export function profileNameFrom(label: string): string {
  const cleaned = label.normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._@+-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, MAX_LENGTH)
    .replace(/[^A-Za-z0-9]+$/, '');
  return isValidProfileName(cleaned) ? cleaned : 'account';
}

/** `base`, else `base-2`, `base-3`, ... (cut so that the suffix fits): the first that `free` accepts. */
export function firstFreeName(base: string, free: (name: string) => boolean): string {
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? '' : `-${n}`;
    const stem = base.slice(0, MAX_LENGTH - suffix.length).replace(/[^A-Za-z0-9]+$/, '') || 'account';
    const name = stem + suffix;
    if (free(name)) return name;
  }
}
