import type { CliContext } from './context';
import type { CliIo } from './io';

/** One `credshare <name>` subcommand. `run` resolves to the exit code. */
export interface Command {
  name: string;
  summary: string;
  /** Full help text, shown by `credshare <name> --help`. */
  usage: string;
  /**
   * `context` builds the home's context on first call (it throws on a bad config.json);
   * `io` is this run's standard streams and environment, for what comes before that.
   */
  run(argv: string[], context: () => CliContext, io: CliIo): Promise<number>;
}
