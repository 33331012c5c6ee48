import * as readline from 'node:readline';
import { parseArgs } from 'node:util';
import { CredshareError } from '../core/errors';
import { loginCommand } from '../core/profile';
import { createContext, directHomeAccess, freshSession, type CliContext, type HomeAccess } from './context';
import { profileForUrl } from './helper-session';
import type { CliIo } from './io';
import { CARGO_HELLO, cargoError, cargoGetResponse, cargoIndexUrl, cargoOk, parseCargoRequest, type CargoRequest } from './protocols/cargo';

/**
 * Runs credshare as a cargo credential provider: cargo starts `credshare --cargo-plugin`
 * (configured as `credential-provider = ["credshare", "helper", "--protocol", "cargo"]`;
 * the array's tail arrives in each request's `args`). Says hello, answers each request
 * line, and exits 0 when cargo closes standard input: cargo treats a non-zero exit as a
 * failure even after a good answer, so failures are `Err` answers, not exit codes.
 */
export async function runCargoProvider(io: CliIo, home: HomeAccess = directHomeAccess): Promise<number> {
  io.stdout(CARGO_HELLO + '\n');
  let context: CliContext | undefined;
  const lines = readline.createInterface({ input: io.stdinStream(), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let answer: string;
    try {
      answer = await answerRequest(line, () => (context ??= createContext(io, home)));
    } catch (error) {
      // Our errors say what to do and never quote a token; a foreign one shows its name only.
      answer = cargoError('other', error instanceof CredshareError ? `credshare: ${error.message}` : `credshare: unexpected error (${(error as Error)?.name ?? 'Error'}); run \`credshare status\``);
    }
    io.stdout(answer + '\n');
  }
  return 0;
}

async function answerRequest(line: string, context: () => CliContext): Promise<string> {
  const request = parseCargoRequest(line);
  if (typeof request === 'string') return cargoError('other', `credshare: ${request}.`);
  const ctx = context();
  const profile = profileForUrl(ctx, cargoIndexUrl(request.indexUrl), profileArgument(request));
  // Not one of the profile's hosts: cargo tries its next provider, and this token goes nowhere else.
  if (!profile) return cargoError('url-not-supported');
  switch (request.kind) {
    case 'get': {
      const session = await freshSession(ctx, profile);
      return cargoGetResponse(session.accessToken, session.expiresAt, profile.cargoBareToken === true);
    }
    case 'login': {
      // Nothing to store: cargo asks credshare for a fresh token every time it needs one.
      if (await ctx.store.read(profile.name)) return cargoOk('login');
      return cargoError('other', `credshare: not signed in to profile "${profile.name}"; run \`${loginCommand(profile.name)}\` (cargo then needs no login of its own).`);
    }
    case 'logout':
      return cargoError('other', `credshare: \`cargo logout\` does not sign out of credshare, whose sign-in other tools share; run \`credshare logout${profile.name === 'default' ? '' : ` --profile ${profile.name}`}\` to sign out everywhere.`);
    default:
      return cargoError('operation-not-supported');
  }
}

/** `--profile P` among the configured arguments (`["helper", "--protocol", "cargo", "--profile", "P"]`). */
function profileArgument(request: CargoRequest): string | undefined {
  const args = request.args[0] === 'helper' ? request.args.slice(1) : request.args;
  try {
    return parseArgs({ args, options: { profile: { type: 'string' }, protocol: { type: 'string' } }, strict: false, allowPositionals: true }).values.profile as string | undefined;
  } catch {
    return undefined;
  }
}
