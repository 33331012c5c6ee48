import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../core/errors';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util's parseArgs, with mistakes reported as usage errors (exit 2) that point at --help. */
export function parseCommandLine<T extends Options>(command: string, argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\. To specify a positional argument.*$/s, '')}. See \`credshare ${command} --help\`.`);
  }
}

/** Parses a non-negative whole number of seconds given on the command line. */
export function parseSeconds(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} takes a whole number of seconds, not "${value}".`);
  return Number(value);
}
