import type { Session } from '../../core/session';
import { parseCommandLine } from '../args';
import type { Command } from '../command';
import { formatDuration } from '../../core/format';
import { selectedProfileName } from '../../core/profile';

export const profilesCommand: Command = {
  name: 'profiles',
  summary: 'List the profiles, which one is selected and which are signed in (no secrets)',
  usage: `Usage: credshare profiles [--json]

Lists the profiles of config.json: issuer, client id, hosts, whether each is signed in
and as whom. "*" marks the profile commands use without --profile ($CREDSHARE_PROFILE,
else config.json's defaultProfile). Never prints a token.

Create or update one with \`credshare login --profile NAME --issuer URL --client-id ID\`.`,
  async run(argv, context) {
    const { values } = parseCommandLine('profiles', argv, { json: { type: 'boolean' } });
    const ctx = context();
    const selected = selectedProfileName(ctx.config, undefined, ctx.env);
    let sessions: Record<string, Session> = {};
    let storeProblem: string | undefined;
    try {
      sessions = ctx.store.readDocument()?.sessions ?? {};
    } catch (error) {
      storeProblem = (error as Error).message;
    }
    const rows = Object.values(ctx.config.profiles).map((profile) => {
      const session = sessions[profile.name];
      return {
        name: profile.name,
        selected: profile.name === selected,
        default: profile.name === ctx.config.defaultProfile,
        issuer: profile.issuer,
        clientId: profile.clientId,
        // Whether there is one; never the value.
        clientSecret: profile.clientSecret ? 'set' : undefined,
        scopes: profile.scopes,
        hosts: profile.hosts,
        signedIn: storeProblem ? null : !!session,
        account: session?.account,
        expiresAt: session?.expiresAt,
      };
    });
    if (values.json) {
      ctx.stdout(JSON.stringify({ selected, defaultProfile: ctx.config.defaultProfile, profiles: rows }, null, 2) + '\n');
      return 0;
    }
    if (rows.length === 0) {
      ctx.stdout(`No profiles in ${ctx.paths.config}. Create one with \`credshare login --issuer URL --client-id ID\`.\n`);
      return 0;
    }
    const lines: string[] = [];
    for (const row of rows) {
      const marks = `${row.selected ? '*' : ' '} ${row.name}${row.default ? ' (default)' : ''}`;
      const state = row.signedIn === null ? 'unknown (see below)'
        : !row.signedIn ? 'signed out'
          : `signed in as ${row.account!.label || row.account!.id}, token ${row.expiresAt! > Date.now() ? `valid for ${formatDuration((row.expiresAt! - Date.now()) / 1000)}` : 'expired (refreshed on next use)'}`;
      lines.push(marks, `    issuer:    ${row.issuer}`, `    client id: ${row.clientId}${row.clientSecret ? ' (client secret: set)' : ''}`, `    hosts:     ${row.hosts.join(', ') || '(none)'}`, `    session:   ${state}`);
    }
    if (selected && !ctx.config.profiles[selected]) lines.push(`Selected profile "${selected}" does not exist: create it with \`credshare login --profile ${selected} --issuer URL --client-id ID\`.`);
    if (storeProblem) lines.push(`Sessions unknown: ${storeProblem}`);
    ctx.stdout(lines.join('\n') + '\n');
    return 0;
  },
};
