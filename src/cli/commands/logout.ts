import type { Session } from '../../core/session';
import { parseCommandLine } from '../args';
import type { Command } from '../command';
import { profileFor, type CliContext } from '../context';
import type { Profile } from '../../core/profile';
import { refuseInSecretStorageWindow } from '../window-store';

export const logoutCommand: Command = {
  name: 'logout',
  summary: 'Sign out: revoke the refresh token at the issuer and remove the session',
  usage: `Usage: credshare logout [--profile P] [--no-revoke]

Revokes the profile's refresh token at the issuer (when its metadata offers a revocation
endpoint, authenticating with the profile's client secret where the issuer asks for
it), then removes the session from the credential store. Where the issuer demands client
authentication and the profile has no secret, revocation is not available: the session
is removed here and credshare says that the token stays valid at the issuer until it expires. Both happen under the
same lock as refreshes, so no refresh in flight can bring the session back, and no
sign-in that finishes meanwhile is removed or revoked by mistake. If the revocation
fails, credshare still signs out here and says so.

Options:
  --profile P    Profile to sign out of (default: $CREDSHARE_PROFILE, else the default)
  --no-revoke    Only remove the local session (e.g. offline)

Exit codes: 0 signed out (or was not signed in), 1 failure, 2 usage error.`,
  async run(argv, context) {
    const { values } = parseCommandLine('logout', argv, { profile: { type: 'string' }, 'no-revoke': { type: 'boolean' } });
    const ctx = context();
    refuseInSecretStorageWindow(ctx.env, 'Sign Out');
    const profile = profileFor(ctx, values.profile);
    const { fileStoreParts } = await import('../../core/file-coordinator');
    const { removeSession } = await import('../../core/session-writes');
    let revocation: Revocation = { text: '' };
    const parts = fileStoreParts(ctx.paths, ctx.config.timings);
    const removed = await removeSession(parts, profile.name, async (session) => {
      revocation = values['no-revoke'] ? { text: 'The refresh token was not revoked (--no-revoke).' } : await revoke(ctx, profile, session);
    });
    // The VS Code extensions' own grant (core/extension-grant.ts) goes with the profile's.
    const { extensionGrantName } = await import('../../core/extension-grant');
    let extensions: Revocation | undefined;
    await removeSession(parts, extensionGrantName(profile.name), async (session) => {
      extensions = values['no-revoke'] ? { text: 'Its refresh token was not revoked (--no-revoke).' } : await revoke(ctx, profile, session);
    });
    if (extensions) ctx.stdout(`Signed out of the VS Code extensions' own sign-in of profile "${profile.name}" too. ${extensions.text}\n`);
    if (!removed) {
      ctx.stdout(`Profile "${profile.name}" was not signed in.\n`);
      return 0;
    }
    ctx.stdout(`Signed out of profile "${profile.name}" (${removed.account.label || removed.account.id}).\n`);
    if (revocation.warning) ctx.stderr(`credshare: ${revocation.text}\n`);
    else ctx.stdout(`${revocation.text}\n`);
    return 0;
  },
};

/** What to tell the user about the revocation; a warning goes to stderr. */
interface Revocation { text: string; warning?: boolean }

/** Revokes at the issuer; resolves to what to tell the user. Never throws: sign-out goes on. */
async function revoke(ctx: CliContext, profile: Profile, session: Session): Promise<Revocation> {
  const { revokeAtIssuer } = await import('../../core/oauth/sign-out');
  const outcome = await revokeAtIssuer(profile, session, ctx.paths.home, ctx.config.timings.requestTimeoutMs);
  switch (outcome.kind) {
    case 'no-refresh-token': return { text: 'There was no refresh token to revoke.' };
    case 'revoked': return { text: `Revoked the refresh token at ${outcome.endpoint}.` };
    case 'no-endpoint': return { text: `${profile.issuer} offers no revocation endpoint: the refresh token stays valid there until it expires, but no credshare process has it any more.` };
    case 'unavailable': return {
      warning: true,
      text: `Revocation is not available to this client: ${outcome.why}. The session was removed here, but its refresh token stays valid at `
        + `${profile.issuer} until it expires (or you end the sign-in in the issuer's account settings).`,
    };
    case 'failed': return {
      warning: true,
      text: `Warning: could not revoke the refresh token at the issuer: ${outcome.message} `
        + 'It was removed here all the same; it stays valid at the issuer until it expires or you revoke the sign-in there.',
    };
  }
}
