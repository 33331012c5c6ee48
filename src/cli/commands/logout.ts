import { parseCommandLine } from '../args';
import type { Command } from '../command';
import { profileFor } from '../context';

export const logoutCommand: Command = {
  name: 'logout',
  summary: 'Sign out: remove the session of a profile',
  usage: `Usage: credshare logout [--profile P]

Removes the profile's session from the credential store, under the same lock as
refreshes, so no refresh in flight can bring it back.`,
  async run(argv, context) {
    const { values } = parseCommandLine('logout', argv, { profile: { type: 'string' } });
    const ctx = context();
    const profile = profileFor(ctx, values.profile);
    const { fileStoreParts } = await import('../../core/file-coordinator');
    const { removeSession } = await import('../../core/session-writes');
    const removed = await removeSession(fileStoreParts(ctx.paths, ctx.config.timings), profile.name);
    ctx.stdout(removed ? `Signed out of profile "${profile.name}".\n` : `Profile "${profile.name}" was not signed in.\n`);
    return 0;
  },
};
