import { parseCommandLine } from '../args';
import type { Command } from '../command';
import { profileFor } from '../context';
import { formatAccount, formatDuration } from '../../core/format';
import { loginCommand } from '../../core/profile';
import { inSecretStorageWindow, windowSession } from '../window-store';

export const statusCommand: Command = {
  name: 'status',
  summary: 'Show who is signed in and until when (no secrets)',
  usage: `Usage: credshare status [--profile P] [--json]

Shows the profile, its issuer, the signed-in account and how long the access token
stays valid. Never prints a token. Exits 3 when not signed in.

In a terminal of a VS Code window that keeps its tokens in SecretStorage, it asks that
window (which refreshes the token first if it has expired).`,
  async run(argv, context) {
    const { values } = parseCommandLine('status', argv, { profile: { type: 'string' }, json: { type: 'boolean' } });
    const ctx = context();
    const profile = profileFor(ctx, values.profile);
    const fromWindow = inSecretStorageWindow(ctx.env);
    const session = fromWindow ? await windowSession(ctx.env, profile.name) : await ctx.store.read(profile.name);
    const expiresIn = session ? Math.floor((session.expiresAt - Date.now()) / 1000) : undefined;
    // When the token counts as stale: the tolerance, capped by half its lifetime (refresh-margin.ts).
    // (A window answers for its own tokens and judges them itself: not shown for its sessions.)
    const margin = session && !fromWindow ? (await import('../margin-note')).marginReport(profile.refreshToleranceSeconds, session) : undefined;
    // Why a session is gone, when the issuer refused it (the refresh record says so; no secrets in it).
    const { sessionRefusal, refreshProblem, signedOutSentence } = await import('../../core/refused-session');
    const refused = !session && !fromWindow ? sessionRefusal(ctx.paths, profile.name) : undefined;
    // The last refresh of this very session failed (the issuer refused the client, or did not answer): say how.
    const problem = session && !fromWindow ? refreshProblem(new (await import('../../core/refresh-record')).RefreshRecord(ctx.paths.home).read(profile.name), session) : undefined;
    const { agentJson, agentSummary, describeAgent } = await import('../../agent/describe');
    const agent = await describeAgent(ctx.env, ctx.io.cwd);
    if (values.json) {
      ctx.stdout(JSON.stringify({
        profile: profile.name,
        issuer: profile.issuer,
        signedIn: !!session,
        ...(refused ? { refused } : {}),
        ...(problem ? { refreshFailed: problem } : {}),
        account: session?.account,
        expiresAt: session?.expiresAt,
        expiresIn,
        ...(margin ? { lifetimeSeconds: margin.lifetimeSeconds, refreshMarginSeconds: margin.marginSeconds } : {}),
        // The window never hands its refresh token to a terminal, so only the file store can tell.
        ...(fromWindow ? { store: 'vscode-window' } : { store: ctx.paths.credentials, canRefresh: !!session?.refreshToken }),
        scope: session?.scope,
        hosts: profile.hosts,
        agent: agentJson(agent),
      }, null, 2) + '\n');
      return session ? 0 : 3;
    }
    const lines = [`Profile:  ${profile.name}`, `Issuer:   ${profile.issuer}`];
    if (!session) {
      lines.push(fromWindow ? 'Signed out. Run "credshare: Sign In" in the VS Code window.'
        : refused ? signedOutSentence(profile.name, refused)
          : `Signed out. Run \`${loginCommand(profile.name)}\`.`);
    } else {
      lines.push(`Account:  ${formatAccount(session.account)}`);
      lines.push(expiresIn! > 0
        ? `Token:    valid for ${formatDuration(expiresIn!)} (until ${new Date(session.expiresAt).toISOString()})`
        : `Token:    expired ${formatDuration(-expiresIn!)} ago; ${!session.refreshToken ? 'no refresh token: sign in again' : problem ? 'its refresh failed (below)' : 'the next use refreshes it'}`);
      if (problem) lines.push(`Refresh:  ${problem.kind === 'client' ? 'refused' : 'failed'} ${formatDuration((Date.now() - problem.at) / 1000)} ago: ${problem.reason}`);
      if (margin && session.refreshToken) lines.push(`Refresh:  ${(await import('../margin-note')).describeMargin(margin)}`);
      lines.push(`Hosts:    ${profile.hosts.length ? profile.hosts.join(', ') : '(none: credential helpers answer for no host)'}`);
      // The window never hands a terminal its refresh token: only the file store can tell.
      if (!fromWindow && !session.refreshToken) lines.push(`Refresh:  none. ${(await import('../../core/missing-refresh-token')).noRefreshTokenNote(profile, session)}`);
      const extensions = fromWindow ? undefined : await ctx.store.read((await import('../../core/extension-grant')).extensionGrantName(profile.name));
      if (extensions) lines.push(`Extensions: VS Code extensions' own sign-in for scope "${extensions.scope}" (build tools never get it)`);
    }
    if (profile.clientSecret) lines.push('Client:   client secret: set');
    if (fromWindow) lines.push('Store:    the SecretStorage of the VS Code window that started this terminal');
    lines.push(`Agent:    ${agentSummary(agent)}`);
    ctx.stdout(lines.join('\n') + '\n');
    return session ? 0 : 3;
  },
};

