import { parseCommandLine, parseSeconds } from '../args';
import type { Command } from '../command';
import { freshSession, profileFor } from '../context';

export const tokenCommand: Command = {
  name: 'token',
  summary: 'Print a valid access token (refreshing it, once for all processes, if needed)',
  usage: `Usage: credshare token [--profile P] [--min-validity SECONDS] [--json]

Prints an access token valid for at least the profile's refresh tolerance (or
--min-validity seconds). When it is about to expire, exactly one credshare process
refreshes it and the others wait for that result.

Options:
  --profile P             Profile to use (default: $CREDSHARE_PROFILE, else config's defaultProfile)
  --min-validity SECONDS  Refresh unless the token stays valid this long
  --json                  Print {"accessToken","expiresAt","expiresIn","profile","account"}

Exit codes: 0 ok, 1 failure, 2 usage error, 3 sign-in needed.`,
  async run(argv, context) {
    const { values } = parseCommandLine('token', argv, {
      profile: { type: 'string' }, 'min-validity': { type: 'string' }, json: { type: 'boolean' },
    });
    const ctx = context();
    const profile = profileFor(ctx, values.profile);
    const session = await freshSession(ctx, profile, parseSeconds(values['min-validity'], '--min-validity'));
    if (values.json) {
      ctx.stdout(JSON.stringify({
        accessToken: session.accessToken,
        expiresAt: session.expiresAt,
        expiresIn: Math.max(0, Math.floor((session.expiresAt - Date.now()) / 1000)),
        profile: profile.name,
        account: session.account,
      }) + '\n');
    } else {
      ctx.stdout(session.accessToken + '\n');
    }
    return 0;
  },
};
