import { parseCommandLine, parseSeconds } from '../args';
import { UsageError } from '../../core/errors';
import type { Command } from '../command';
import { freshSession, profileFor } from '../context';

export const tokenCommand: Command = {
  name: 'token',
  summary: 'Print a valid access token (refreshing it, once for all processes, if needed)',
  usage: `Usage: credshare token [--profile P] [--scope S ...] [--min-validity SECONDS] [--json]

Prints an access token valid for at least the profile's refresh tolerance (or
--min-validity seconds). When it is about to expire, exactly one credshare process
refreshes it and the others wait for that result.

With --scope, the token carries only those scopes: the profile's sign-in (one refresh
token) is refreshed with a narrower scope (RFC 6749 section 6), and the token is kept
per scope set for every process and VS Code window. An issuer that cannot narrow gets
the sign-in's own token (--json shows its real "scope"; \`credshare doctor\` says so). A
scope the sign-in was not granted is never asked for: exit 3 with the login to run.

Options:
  --profile P             Profile to use (default: $CREDSHARE_PROFILE, else config's defaultProfile)
  --scope S               A scope the token is for; repeat it or separate with spaces
  --min-validity SECONDS  Refresh unless the token stays valid this long
  --json                  Print {"accessToken","expiresAt","expiresIn","scope","scopeConfirmed",
                          "profile","account"}; scopeConfirmed is false where the issuer did not
                          say which scopes the token carries: "scope" is then the most it can

Exit codes: 0 ok, 1 failure, 2 usage error, 3 sign-in needed.`,
  async run(argv, context) {
    const { values } = parseCommandLine('token', argv, {
      profile: { type: 'string' }, 'min-validity': { type: 'string' }, json: { type: 'boolean' }, scope: { type: 'string', multiple: true },
    });
    const scopes = values.scope?.flatMap((s) => s.split(/\s+/)).filter(Boolean);
    if (values.scope && !scopes?.length) throw new UsageError('--scope needs at least one scope. See `credshare token --help`.');
    const ctx = context();
    const profile = profileFor(ctx, values.profile);
    const session = await freshSession(ctx, profile, parseSeconds(values['min-validity'], '--min-validity'), scopes);
    if (values.json) {
      ctx.stdout(JSON.stringify({
        accessToken: session.accessToken,
        expiresAt: session.expiresAt,
        expiresIn: Math.max(0, Math.floor((session.expiresAt - Date.now()) / 1000)),
        scope: session.scope,
        // false: the issuer did not say which scopes this token carries; `scope` is the most it can (doctor explains).
        scopeConfirmed: session.scopeFrom !== 'grant',
        profile: profile.name,
        account: session.account,
      }) + '\n');
    } else {
      ctx.stdout(session.accessToken + '\n');
    }
    return 0;
  },
};
