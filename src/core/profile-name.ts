import { ConfigError, UsageError } from './errors';

/**
 * Profile names end up inside files other programs parse: the marker comments of
 * `setup bazel` in a .bazelrc, `--profile NAME` in git's shell helper line and in cargo's
 * and kubectl's argument lists, the kubeconfig user `credshare-NAME`, terminal environment
 * variables. A newline there injects lines (a `startup --host_jvm_args=-javaagent:...` in
 * ~/.bazelrc runs code in every Bazel workspace), a leading `-` turns into an option, a
 * quote or a space into another word. So a name is checked once, here, wherever it enters
 * (config.json, --profile, CREDSHARE_PROFILE, `login --profile`, the VS Code setting and a
 * first sign-in that saves it), against a set that means nothing to any of those formats:
 * letters, digits, then also `.`, `_`, `-`, `@` and `+` (so an e-mail address is a name
 * as it is), at most 64 characters, starting with a letter or digit.
 */
export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;

/** The rule, as said to the user. */
export const PROFILE_NAME_RULE = 'a profile name is 1 to 64 characters: letters, digits, ".", "_", "-", "@" and "+", starting with a letter or digit';

export function isValidProfileName(name: string): boolean {
  return PROFILE_NAME.test(name);
}

/**
 * Why `name` is not a profile name, or undefined when it is one. `where` says where it
 * came from ("--profile", "$CREDSHARE_PROFILE", "config.json ..."): the message names it.
 */
export function profileNameProblem(name: string, where: string): string | undefined {
  if (isValidProfileName(name)) return undefined;
  return `${where} names the profile ${JSON.stringify(name)}, which is not allowed: ${PROFILE_NAME_RULE}`;
}

/** Throws a usage error (exit 2) for a name typed on the command line. */
export function checkProfileNameArgument(name: string, flag = '--profile'): string {
  const problem = profileNameProblem(name, flag);
  if (problem) throw new UsageError(`${problem}.`);
  return name;
}

/** Throws a configuration error (exit 1) for a name read from a file, a setting or the environment. */
export function checkConfiguredProfileName(name: string, where: string, fix: string): string {
  const problem = profileNameProblem(name, where);
  if (problem) throw new ConfigError(`${problem}. ${fix}`);
  return name;
}

/**
 * A valid profile name made from an account label ("Alice Example <alice@example.com>",
 * "alice@example.com"): every run of other characters becomes one "-", leading and
 * trailing punctuation goes, at most 64 characters. `fallback` when nothing is left.
 */
export function profileNameFrom(label: string, fallback = 'account'): string {
  const cleaned = label.normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._@+-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64)
    .replace(/[^A-Za-z0-9]+$/, '');
  return isValidProfileName(cleaned) ? cleaned : fallback;
}
