import { CredshareError, ExitCode, UsageError } from '../core/errors';
import type { Command } from './command';
import { createContext, directHomeAccess, type CliContext, type HomeAccess } from './context';
import { processIo, type CliIo } from './io';
import { agentCommand } from './commands/agent';
import { doctorCommand } from './commands/doctor';
import { helperCommand } from './commands/helper';
import { loginCommand } from './commands/login';
import { logoutCommand } from './commands/logout';
import { profilesCommand } from './commands/profiles';
import { setupCommand } from './commands/setup';
import { statusCommand } from './commands/status';
import { tokenCommand } from './commands/token';
import { VERSION } from './version';

/** Every subcommand, in the order `credshare --help` lists them. */
export const commands: Command[] = [loginCommand, tokenCommand, statusCommand, profilesCommand, helperCommand, setupCommand, logoutCommand, doctorCommand, agentCommand];

function generalHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `credshare ${VERSION}: one OAuth login shared by your CLI, editors, terminals and build tools.

Usage: credshare <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run \`credshare <command> --help\` for a command's options.
Home: $CREDSHARE_HOME, else $XDG_CONFIG_HOME/credshare, else ~/.config/credshare.
Exit codes: 0 ok, 1 failure, 2 usage error, 3 sign-in needed.
`;
}

/**
 * Runs one command line and resolves to the exit code; never throws. `io` is where it
 * reads, writes and which environment it sees (a `credshare` process: its own; the agent:
 * one request's), `home` how it reaches the home (the agent: through its caches).
 */
export async function runCli(argv: string[], io: CliIo = processIo(), home: HomeAccess = directHomeAccess): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.stdout(generalHelp());
      return name === undefined ? ExitCode.usage : ExitCode.ok;
    }
    if (name === '--version' || name === '-v') { io.stdout(`${VERSION}\n`); return ExitCode.ok; }
    // cargo starts every credential provider as `<command> --cargo-plugin` and sends the
    // configured arguments (`helper --protocol cargo`) inside each JSON request.
    if (name === '--cargo-plugin') return await (await import('./cargo-provider')).runCargoProvider(io, home);
    const command = commands.find((c) => c.name === name);
    if (!command) throw new UsageError(`Unknown command "${name}". Run \`credshare --help\` for the list.`);
    if (rest.includes('--help') || rest.includes('-h')) { io.stdout(command.usage + '\n'); return ExitCode.ok; }
    let context: CliContext | undefined;
    return await command.run(rest, () => (context ??= createContext(io, home)), io);
  } catch (error) {
    return report(error, io);
  }
}

function report(error: unknown, io: CliIo): number {
  if (error instanceof CredshareError) {
    io.stderr(`credshare: ${error.message}\n`);
    return error.exitCode;
  }
  // Not one of ours: say so plainly. The message of a foreign error could in theory
  // quote a request, so only its name and first line are shown.
  const first = String((error as Error)?.message ?? error).split('\n')[0];
  io.stderr(`credshare: unexpected error (${(error as Error)?.name ?? 'Error'}): ${first}\nPlease report it with the output of \`credshare status\`.\n`);
  return ExitCode.failure;
}
