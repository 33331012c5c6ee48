import type { CliContext } from './context';

/** One `credshare <name>` subcommand. `run` resolves to the exit code. */
export interface Command {
  name: string;
  summary: string;
  /** Full help text, shown by `credshare <name> --help`. */
  usage: string;
  run(argv: string[], context: () => CliContext): Promise<number>;
}
