import { readStdin } from './stdin';
import { writeStdout } from './stdout';

/**
 * Where one run of the CLI reads and writes, and the environment it sees. A `credshare`
 * process runs with its own ({@link processIo}); the agent runs the same code once per
 * request with that request's (src/agent/request.ts), so concurrent requests never mix
 * their output, input or environment. Command code never touches `process.stdout`,
 * `process.stdin`, `process.env` or `process.cwd()` directly: it goes through this.
 */
export interface CliIo {
  /** The environment the command sees (never read `process.env` in command code). */
  readonly env: NodeJS.ProcessEnv;
  /**
   * The working directory a relative `CREDSHARE_HOME` or `XDG_CONFIG_HOME` is taken
   * against; undefined: this process's own, asked for only when needed (a deleted working
   * directory is no error for a command that never needs it).
   */
  readonly cwd?: string;
  stdout(text: string): void;
  stderr(text: string): void;
  /** All of standard input, refusing more than `limit` bytes (UsageError). */
  readStdin(limit?: number): Promise<string>;
  /** Standard input as a stream, for conversations read line by line (cargo). */
  stdinStream(): NodeJS.ReadableStream;
  /** Standard input is a terminal (a secret is prompted for, not read to end of file). */
  readonly stdinIsTerminal: boolean;
  /** Standard input and standard error are terminals: someone can answer a prompt. */
  readonly interactive: boolean;
}

/**
 * This process's own standard streams, environment and working directory. The streams are
 * reached lazily: creating `process.stdin` or `process.stderr` costs start-up that a
 * fresh-token helper call does not otherwise pay.
 */
export function processIo(env: NodeJS.ProcessEnv = process.env): CliIo {
  return {
    env,
    stdout: writeStdout,
    stderr: (text) => { process.stderr.write(text); },
    readStdin,
    stdinStream: () => process.stdin,
    get stdinIsTerminal() { return !!process.stdin.isTTY; },
    get interactive() { return !!(process.stdin.isTTY && process.stderr.isTTY); },
  };
}
