import { loginCommand, selectedProfileName, type Config, type Profile } from '../../core/profile';
import { resolveHome, type HomePaths } from '../../core/paths';
import { parseCommandLine } from '../args';
import type { Command } from '../command';
import type { CliContext } from '../context';
import { inSecretStorageWindow } from '../window-store';
import { formatAccount, formatDuration } from '../../core/format';
import { redactSecrets, sessionSecrets } from '../../core/redact';
import { VERSION } from '../version';
import type { OfferedFlows } from '../../core/oauth/flow-choice';

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'Check the home, profile, issuer, session, lock and helpers; paste the output into a bug report',
  usage: `Usage: credshare doctor [--profile P] [--url URL]

Prints one screen about this installation: the home and its file permissions, the
profile, whether the issuer answers discovery, the session's expiry, the refresh lock
(free, held by which process, or stale) and which hosts the credential helpers answer
for, with the port rule each host stands for. It prints no token, code or secret, so it
can be pasted into a bug report.

  --url URL   Also say which profile a credential helper would answer URL with, and
              why; or why none would, profile by profile.

Exit codes: 0 nothing wrong found, 1 something needs attention (marked "!!").`,
  async run(argv, context, io) {
    const { values } = parseCommandLine('doctor', argv, { profile: { type: 'string' }, url: { type: 'string' } });
    const { inspectPath, inspectLock, helperSettings } = await import('../../core/diagnostics');
    const lines: string[] = [];
    const problems: string[] = [];
    const row = (label: string, text: string, problem?: string): void => {
      lines.push(`${label.padEnd(12)} ${text}${problem ? `  !! ${problem}` : ''}`);
      if (problem) problems.push(`${label.trim()}: ${problem}`);
    };
    // Issuer text (discovery errors, the last refresh's message) may quote a token: the
    // screen is for bug reports, so every form of every token doctor reads is taken out.
    const secrets: string[] = [];
    const out = (text: string): void => { io.stdout(redactSecrets(text, secrets)); };
    lines.push(`credshare ${VERSION} doctor: Node ${process.version} on ${process.platform} ${process.arch}. No secrets below.`, '');

    let ctx: CliContext | undefined;
    let paths: HomePaths;
    let config: Config | undefined;
    let env: NodeJS.ProcessEnv = io.env;
    let configProblem: string | undefined;
    try {
      ctx = context();
      ({ paths, config, env } = ctx);
    } catch (error) {
      // A config.json credshare cannot use is what doctor is for: report it, go on.
      paths = resolveHome(io.env, io.cwd);
      configProblem = (error as Error).message;
    }
    const where = env.CREDSHARE_HOME ? '$CREDSHARE_HOME' : env.XDG_CONFIG_HOME ? '$XDG_CONFIG_HOME/credshare' : '~/.config/credshare';
    const home = inspectPath(paths.home, 'directory', true);
    row('Home', `${paths.home} (${where}) ${home.exists ? `mode ${home.mode}` : 'does not exist yet'}`, home.problem);
    for (const [label, file, secret] of [['config.json', paths.config, false], ['credentials', paths.credentials, true]] as const) {
      const report = inspectPath(file, 'file', secret);
      row(label, `${file} ${report.exists ? `mode ${report.mode}` : 'does not exist'}`, report.problem ?? (label === 'config.json' ? configProblem : undefined));
    }
    if (!config) return finish();
    const timings = config.timings;
    row('Timings', `lock stale ${timings.lockStaleMs} ms, lock timeout ${timings.lockTimeoutMs} ms, request timeout ${timings.requestTimeoutMs} ms`);

    const names = Object.keys(config.profiles);
    let selected: string;
    try {
      selected = selectedProfileName(config, values.profile, env);
    } catch (error) {
      // A profile name credshare refuses (profile-name.ts): say so, as for a bad config.json.
      row('Profile', '(refused)', (error as Error).message);
      return finish();
    }
    const profile = config.profiles[selected];
    row('Profiles', names.length ? names.map((n) => (n === config!.defaultProfile ? `${n} (default)` : n)).join(', ') : '(none)');
    if (!profile) {
      row('Profile', `"${selected}"`, names.length ? `no such profile; use --profile or \`credshare login --profile ${selected} --issuer URL --client-id ID\`` : 'none yet: run `credshare login --issuer URL --client-id ID`');
      return finish();
    }
    secrets.push(profile.clientSecret ?? '');
    row('Profile', `${profile.name}${values.profile ? ' (--profile)' : env.CREDSHARE_PROFILE ? ' ($CREDSHARE_PROFILE)' : ' (default)'}: client ${profile.clientId}, scopes ${profile.scopes.join(' ')}, tolerance ${profile.refreshToleranceSeconds}s`);
    const client = clientDescription(profile);
    if (client) row('', client);
    const offered = await checkIssuer(profile, paths.home, Math.min(timings.requestTimeoutMs, 10_000), row);
    const { RefreshRecord } = await import('../../core/refresh-record');
    const last = new RefreshRecord(paths.home).read(profile.name);

    if (inSecretStorageWindow(env)) {
      // The socket path is not secret (the nonce is, and stays out of this screen).
      row('Window', `this terminal's tokens come from the VS Code window at ${env.CREDSHARE_IPC_HANDLE} (credshare.store = secretStorage); `
        + 'the Session row below is the home\'s, which that window does not use');
    }
    let currentRefreshToken: string | undefined;
    try {
      const session = await ctx!.store.read(profile.name);
      currentRefreshToken = session?.refreshToken;
      const refused = session ? undefined : (await import('../../core/refused-session')).sessionRefusal(paths, profile.name);
      if (refused) {
        // The issuer refused the session: say so, rather than a neutral "signed out".
        row('Session', `signed out ${formatDuration((Date.now() - refused.at) / 1000)} ago: ${refused.reason}`, `the issuer refused the session; sign in again with \`${loginCommand(profile.name)}\``);
      } else if (!session) row('Session', `signed out: run \`${loginCommand(profile.name)}\``);
      else {
        secrets.push(...sessionSecrets(session));
        const left = (session.expiresAt - Date.now()) / 1000;
        row('Session', `${formatAccount(session.account)}; access token ${left > 0 ? `valid for ${formatDuration(left)}` : `expired ${formatDuration(-left)} ago`}; `
          + `${session.refreshToken ? 'can refresh' : 'no refresh token'}; scope "${session.scope}"`);
        if (!session.refreshToken) {
          const { askedForOfflineAccess, noRefreshTokenNote } = await import('../../core/missing-refresh-token');
          // A problem where the sign-in asked for offline access; some issuers (GitHub's OAuth apps) never give one.
          row('Refresh', noRefreshTokenNote(profile, session), askedForOfflineAccess(profile) ? 'the sign-in asked for offline access and got no refresh token' : undefined);
        } else {
          const { describeMargin, marginReport } = await import('../margin-note');
          row('Refresh', describeMargin(marginReport(profile.refreshToleranceSeconds, session)));
        }
        const { scopeSetLines, extensionGrantLine } = await import('./doctor-scopes');
        scopeSetLines(session, profile.issuer).forEach((line, i) => row(i === 0 ? 'Scope sets' : '', line));
        const { extensionGrantName } = await import('../../core/extension-grant');
        const extensions = await ctx!.store.read(extensionGrantName(profile.name));
        if (extensions) {
          secrets.push(...sessionSecrets(extensions));
          row('Extensions', extensionGrantLine(session, extensions));
        }
      }
    } catch (error) {
      row('Session', 'unreadable', (error as Error).message);
    }
    const lock = inspectLock(paths.home, timings.lockStaleMs);
    const owner = lock.owner ? `pid ${lock.owner.pid}${lock.owner.command ? ` (${lock.owner.command})` : ''}${lock.owner.running === false ? ', not running' : lock.owner.running ? ', running' : ` on ${lock.owner.host}`}, since ${formatDuration((Date.now() - lock.owner.since) / 1000)}` : 'an unknown process';
    if (lock.state === 'free') row('Lock', `free (${lock.path})`);
    else if (lock.state === 'held' && lock.owner?.running === false) {
      // proper-lockfile stamps a new lock up to a second ahead, so a holder killed early still
      // looks fresh for a while: say when it turns stale rather than calling it held.
      row('Lock', `left by ${owner}; stale in ${formatDuration(Math.max(1, (timings.lockStaleMs - lock.idleMs!) / 1000))}, then the next refresh takes it over`);
    } else if (lock.state === 'held') row('Lock', `held by ${owner}; touched ${formatDuration(lock.idleMs! / 1000)} ago`);
    else row('Lock', `stale: left by ${owner}, untouched for ${formatDuration(lock.idleMs! / 1000)}; the next refresh takes it over`);
    if (last) {
      // A refusal of the client (refusal-table.ts, class "client") needs the user; an outage does not.
      const refusedClient = last.outcome === 'failed' && last.kind === 'client' && !!currentRefreshToken && (await import('../../core/refused-session')).refreshProblem(last, { refreshToken: currentRefreshToken });
      row('Last refresh', `${last.outcome}${last.refusal ? ` (${last.refusal})` : ''} ${formatDuration((Date.now() - last.at) / 1000)} ago${last.message ? `: ${last.message}` : ''}`,
        refusedClient ? 'the issuer refused the client, not the token: the session is kept, but cannot refresh until that is fixed (see the message)' : undefined);
    }

    const { helperHostRows, urlRows } = await import('./doctor-url');
    helperHostRows(config, env.CREDSHARE_PROFILE, row);
    if (values.url !== undefined) urlRows(config, values.url, values.profile || env.CREDSHARE_PROFILE, row);
    const settings = helperSettings(env);
    for (const line of settings.git) row('  git', line);
    for (const line of settings.docker) row('  docker', line);
    const { flowForIssuer, preferredFlow } = await import('../../core/oauth/flow-choice');
    // Login's own choice: where it prefers a flow the issuer does not offer, it takes the other.
    const preferred = preferredFlow(env, io.interactive);
    const choice = offered ? flowForIssuer(preferred, offered) : preferred;
    if (choice) row('Sign-in', `\`credshare login\` would use the ${choice.flow} flow here (${choice.reason})`);
    else row('Sign-in', `\`credshare login\` has no flow here`, `${profile.issuer} offers neither an authorization endpoint nor device authorization`);
    const { agentProblem, agentSummary, describeAgent } = await import('../../agent/describe');
    const agent = await describeAgent(env, io.cwd);
    row('Agent', agentSummary(agent), agentProblem(agent));
    return finish();

    function finish(): number {
      lines.push('', problems.length ? `${problems.length} problem(s) found, marked "!!".` : 'No problems found.');
      out(lines.join('\n') + '\n');
      return problems.length ? 1 : 0;
    }
  },
};

type Row = (label: string, text: string, problem?: string) => void;

/** The profile's client settings, secret never included (only whether there is one). */
function clientDescription(profile: Profile): string | undefined {
  const parts = [
    ...(profile.clientSecret ? ['client secret: set'] : []),
    ...(profile.tokenEndpointAuthMethod ? [`token endpoint auth ${profile.tokenEndpointAuthMethod}`] : []),
    ...(profile.redirectPort ? [`redirect http://127.0.0.1:${profile.redirectPort}/callback`] : []),
    ...(profile.endpoints?.token ? [`endpoints from config.json (${Object.keys(profile.endpoints).join(', ')})`] : []),
    ...(profile.prompt ? [`prompt ${profile.prompt}`] : []),
    ...(profile.authorizationParameters ? [`authorization parameters ${Object.entries(profile.authorizationParameters).map(([k, v]) => `${k}=${v}`).join(' ')}`] : []),
  ];
  return parts.length ? parts.join(', ') : undefined;
}

/** Checks discovery; resolves to the sign-in flows the issuer offers, or undefined when that is unknown. */
async function checkIssuer(profile: Profile, home: string, timeoutMs: number, row: Row): Promise<OfferedFlows | undefined> {
  const started = performance.now();
  try {
    const { parseIssuer } = await import('../../core/oauth/issuer');
    const { loadIssuerMetadata } = await import('../../core/oauth/metadata');
    const { revocationAvailability } = await import('../../core/oauth/revoke');
    const metadata = await loadIssuerMetadata(parseIssuer(profile.issuer), { home, timeoutMs, refresh: true, endpoints: profile.endpoints });
    const { as } = metadata;
    const offers = (name: string, value: unknown): string => `${name} ${value ? 'yes' : 'no'}`;
    row('Issuer', metadata.fromProfile ? `${profile.issuer}: endpoints from config.json, no discovery`
      : `${profile.issuer}: discovery answered in ${Math.round(performance.now() - started)} ms, issuer matches`);
    row('', [offers('browser sign-in', as.authorization_endpoint), offers('device sign-in', as.device_authorization_endpoint),
      revocationAvailability(as, profile), offers('userinfo', as.userinfo_endpoint)].join(', '));
    return { browser: !!as.authorization_endpoint, device: !!as.device_authorization_endpoint };
  } catch (error) {
    row('Issuer', profile.issuer, (error as Error).message);
    return undefined;
  }
}
