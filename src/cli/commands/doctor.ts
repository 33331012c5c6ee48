import { loginCommand, selectedProfileName, type Config, type Profile } from '../../core/profile';
import { resolveHome, type HomePaths } from '../../core/paths';
import { parseCommandLine } from '../args';
import type { Command } from '../command';
import type { CliContext } from '../context';
import { inSecretStorageWindow } from '../window-store';
import { formatAccount, formatDuration } from '../../core/format';
import { redactSecrets } from '../../core/redact';
import { VERSION } from '../version';

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'Check the home, profile, issuer, session, lock and helpers; paste the output into a bug report',
  usage: `Usage: credshare doctor [--profile P]

Prints one screen about this installation: the home and its file permissions, the
profile, whether the issuer answers discovery, the session's expiry, the refresh lock
(free, held by which process, or stale) and which hosts the credential helpers answer
for. It prints no token, code or secret, so it can be pasted into a bug report.

Exit codes: 0 nothing wrong found, 1 something needs attention (marked "!!").`,
  async run(argv, context, io) {
    const { values } = parseCommandLine('doctor', argv, { profile: { type: 'string' } });
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
    const selected = selectedProfileName(config, values.profile, env);
    const profile = config.profiles[selected];
    row('Profiles', names.length ? names.map((n) => (n === config!.defaultProfile ? `${n} (default)` : n)).join(', ') : '(none)');
    if (!profile) {
      row('Profile', `"${selected}"`, names.length ? `no such profile; use --profile or \`credshare login --profile ${selected} --issuer URL --client-id ID\`` : 'none yet: run `credshare login --issuer URL --client-id ID`');
      return finish();
    }
    row('Profile', `${profile.name}${values.profile ? ' (--profile)' : env.CREDSHARE_PROFILE ? ' ($CREDSHARE_PROFILE)' : ' (default)'}: client ${profile.clientId}, scopes ${profile.scopes.join(' ')}, tolerance ${profile.refreshToleranceSeconds}s`);
    const client = clientDescription(profile);
    if (client) row('', client);
    await checkIssuer(profile, paths.home, Math.min(timings.requestTimeoutMs, 10_000), row);
    const { RefreshRecord } = await import('../../core/refresh-record');
    const last = new RefreshRecord(paths.home).read(profile.name);

    if (inSecretStorageWindow(env)) {
      // The socket path is not secret (the nonce is, and stays out of this screen).
      row('Window', `this terminal's tokens come from the VS Code window at ${env.CREDSHARE_IPC_HANDLE} (credshare.store = secretStorage); `
        + 'the Session row below is the home\'s, which that window does not use');
    }
    try {
      const session = await ctx!.store.read(profile.name);
      const refused = session ? undefined : (await import('../../core/refused-session')).sessionRefusal(paths, profile.name);
      if (refused) {
        // The issuer refused the session: say so, rather than a neutral "signed out".
        row('Session', `signed out ${formatDuration((Date.now() - refused.at) / 1000)} ago: ${refused.reason}`, `the issuer refused the session; sign in again with \`${loginCommand(profile.name)}\``);
      } else if (!session) row('Session', `signed out: run \`${loginCommand(profile.name)}\``);
      else {
        secrets.push(session.accessToken, session.refreshToken, session.idToken ?? '');
        const left = (session.expiresAt - Date.now()) / 1000;
        row('Session', `${formatAccount(session.account)}; access token ${left > 0 ? `valid for ${formatDuration(left)}` : `expired ${formatDuration(-left)} ago`}; `
          + `${session.refreshToken ? 'can refresh' : 'no refresh token'}; scope "${session.scope}"`);
        const { scopeSetLines } = await import('./doctor-scopes');
        scopeSetLines(session, profile.issuer).forEach((line, i) => row(i === 0 ? 'Scope sets' : '', line));
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
    if (last) row('Last refresh', `${last.outcome} ${formatDuration((Date.now() - last.at) / 1000)} ago${last.message ? `: ${last.message}` : ''}`);

    for (const p of Object.values(config.profiles)) {
      row(p === Object.values(config.profiles)[0] ? 'Helpers' : '', `profile ${p.name} answers for ${p.hosts.length ? p.hosts.join(', ') : 'no host (no "hosts" in its profile)'}`);
    }
    row('', 'any other host gets no credentials' + (env.CREDSHARE_PROFILE ? `; $CREDSHARE_PROFILE limits helpers to "${env.CREDSHARE_PROFILE}"` : ''));
    const settings = helperSettings(env);
    for (const line of settings.git) row('  git', line);
    for (const line of settings.docker) row('  docker', line);
    const { preferredFlow } = await import('../../core/oauth/flow-choice');
    const choice = preferredFlow(env, io.interactive);
    row('Sign-in', `\`credshare login\` would use the ${choice.flow} flow here (${choice.reason})`);
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
  ];
  return parts.length ? parts.join(', ') : undefined;
}

async function checkIssuer(profile: Profile, home: string, timeoutMs: number, row: Row): Promise<void> {
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
  } catch (error) {
    row('Issuer', profile.issuer, (error as Error).message);
  }
}
