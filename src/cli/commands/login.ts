import { ConfigError, UsageError } from '../../core/errors';
import type { SignInFlow } from '../../core/oauth/flow-choice';
import { DEFAULT_SCOPES, DEFAULT_TOLERANCE_SECONDS, saveProfile, selectedProfileName, type Profile } from '../../core/profile';
import { ensurePrivateDir } from '../../core/private-files';
import { parseCommandLine, parseSeconds } from '../args';
import type { Command } from '../command';
import type { CliContext } from '../context';
import { formatAccount, formatDuration } from '../../core/format';
import { refuseInSecretStorageWindow } from '../window-store';
import { CLIENT_FLAG_HELP, CLIENT_FLAG_OPTIONS, clientFields } from '../login-client-flags';

const DEFAULT_BROWSER_TIMEOUT_S = 300;

export const loginCommand: Command = {
  name: 'login',
  summary: 'Sign in (creating or updating the profile), in a browser or with a device code',
  usage: `Usage: credshare login [--issuer URL --client-id ID] [--scope S ...] [--host H ...]
                       [--profile NAME] [--device | --browser] [--no-open]
                       [--timeout SECONDS] [--set-default] [client options]

Signs in to the profile's OpenID Connect / OAuth 2.0 issuer and stores the session in
credentials.json, under the same lock as refreshes. The first time, give --issuer and
--client-id: they are saved in config.json as the profile (with any other field kept).
Later, \`credshare login\` (or --profile NAME) signs in again with what is stored.

Options:
  --issuer URL        The issuer (HTTPS; plain HTTP only on 127.0.0.1/localhost)
  --client-id ID      The public client registered for credshare at the issuer
  --scope S           A scope to request; repeat it or separate with spaces
                      (default: openid offline_access; replaces the stored list)
  --host H            A host the credential helpers may send the token to, e.g.
                      artifacts.example.com, *.example.com, host:8443; repeat it
                      (replaces the stored list)
  --profile NAME      Profile to create or use (default: $CREDSHARE_PROFILE, else the default)
  --device            Device code flow: enter a code on any device with a browser
  --browser           Browser flow: authorization code + PKCE with a loopback redirect
  --no-open           Print the browser flow's URL without opening a browser
  --timeout SECONDS   How long the browser flow waits for the browser (default ${DEFAULT_BROWSER_TIMEOUT_S})
  --set-default       Make this profile the default one

${CLIENT_FLAG_HELP}

Without --device or --browser: the device flow in an SSH session, without a display or
without a terminal, the browser flow otherwise.
Exit codes: 0 signed in, 1 sign-in failed or refused, 2 usage error.`,
  async run(argv, context) {
    const { values } = parseCommandLine('login', argv, {
      issuer: { type: 'string' }, 'client-id': { type: 'string' }, scope: { type: 'string', multiple: true },
      host: { type: 'string', multiple: true }, profile: { type: 'string' }, device: { type: 'boolean' },
      browser: { type: 'boolean' }, 'no-open': { type: 'boolean' }, timeout: { type: 'string' }, 'set-default': { type: 'boolean' },
      ...CLIENT_FLAG_OPTIONS,
    });
    if (values.device && values.browser) throw new UsageError('Give --device or --browser, not both. See `credshare login --help`.');
    const timeoutS = parseSeconds(values.timeout, '--timeout') ?? DEFAULT_BROWSER_TIMEOUT_S;
    const ctx = context();
    refuseInSecretStorageWindow(ctx.env, 'Sign In');
    const { parseIssuer } = await import('../../core/oauth/issuer');
    const name = selectedProfileName(ctx.config, values.profile, ctx.env);
    const existing = ctx.config.profiles[name];
    const issuerText = values.issuer ?? existing?.issuer;
    const clientId = values['client-id'] ?? existing?.clientId;
    if (!issuerText || !clientId) {
      throw new UsageError(`No profile "${name}" in ${ctx.paths.config} yet: give --issuer URL and --client-id ID. See \`credshare login --help\`.`);
    }
    let issuer: URL;
    try {
      issuer = parseIssuer(issuerText);
    } catch (error) {
      // A URL typed on this command line is a usage error; one read from config.json is not.
      throw values.issuer && error instanceof ConfigError ? new UsageError(error.message) : error;
    }
    // Another issuer or client starts without the stored secret, auth method, port and endpoints.
    const sameClient = existing && new URL(existing.issuer).href === issuer.href && existing.clientId === clientId;
    const profile: Profile = {
      name,
      issuer: issuerText,
      clientId,
      scopes: values.scope ? splitWords(values.scope) : existing?.scopes ?? [...DEFAULT_SCOPES],
      hosts: values.host ? values.host.map(checkHost) : existing?.hosts ?? [],
      refreshToleranceSeconds: existing?.refreshToleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
      ...await clientFields(values, sameClient ? existing : undefined, ctx.io),
    };
    const cancel = new AbortController();
    const onInterrupt = (): void => cancel.abort();
    // `on`, not `once`: proper-lockfile's signal-exit re-raises SIGINT when it finds
    // itself the only listener, which a `once` listener would make it on the first ^C.
    process.on('SIGINT', onInterrupt);
    try {
      return await signInAndStore(ctx, profile, existing, issuer, { ...values, timeoutS }, cancel.signal);
    } finally {
      process.removeListener('SIGINT', onInterrupt);
    }
  },
};

interface LoginFlags { device?: boolean; browser?: boolean; 'no-open'?: boolean; 'set-default'?: boolean; timeoutS: number }

async function signInAndStore(ctx: CliContext, profile: Profile, existing: Profile | undefined, issuer: URL, flags: LoginFlags, signal: AbortSignal): Promise<number> {
  const { loadIssuerMetadata } = await import('../../core/oauth/metadata');
  const { signIn } = await import('../../core/oauth/sign-in');
  const { preferredFlow } = await import('../../core/oauth/flow-choice');
  const { openInBrowser } = await import('../../core/open-browser');
  const { fileStoreParts } = await import('../../core/file-coordinator');
  const { storeSession } = await import('../../core/session-writes');
  const io = { timeoutMs: ctx.config.timings.requestTimeoutMs, signal };
  ensurePrivateDir(ctx.paths.home);
  // Checked before anything is saved: a typo or an impostor never becomes a profile.
  const metadata = await loadIssuerMetadata(issuer, { ...io, home: ctx.paths.home, endpoints: profile.endpoints });
  const parts = fileStoreParts(ctx.paths, ctx.config.timings);
  // Nothing on disk changes before the new session is stored: a sign-in that fails, times
  // out or is cancelled (a mistyped --client-id) leaves the working session and profile be.
  const replaces = existing && (new URL(existing.issuer).href !== issuer.href || existing.clientId !== profile.clientId);
  const forced: SignInFlow | undefined = flags.device ? 'device' : flags.browser ? 'browser' : undefined;
  const choice = forced ? { flow: forced, reason: `--${forced} was given` } : preferredFlow(ctx.env, ctx.io.interactive);
  const result = await signIn({
    profile, home: ctx.paths.home, flow: choice.flow, forced: !!forced, io, metadata, browserTimeoutMs: flags.timeoutS * 1000,
    openUrl: async (url) => {
      ctx.stderr(`To sign in to ${profile.issuer}, open this URL in a browser:\n\n  ${url}\n\n`);
      if (!flags['no-open']) {
        ctx.stderr((await openInBrowser(url, ctx.env)) ? 'A browser should have opened it. ' : 'No browser could be opened here; open the URL yourself. ');
      }
      ctx.stderr(`Waiting up to ${formatDuration(flags.timeoutS)} for the browser...\n`);
    },
    showCode: (prompt) => {
      ctx.stderr(`To sign in to ${profile.issuer}, open ${prompt.verificationUri} on any device and enter the code\n\n    ${prompt.userCode}\n\n`
        + (prompt.verificationUriComplete ? `(or open ${prompt.verificationUriComplete})\n` : '')
        + `Waiting for approval (the code expires in ${formatDuration(prompt.expiresInSeconds)})...\n`);
    },
  });
  // The profile under the same lock, right after the session (undone together if it fails):
  // the old refresh token is never sent to the new issuer or client, nor the new one to the old.
  await storeSession(parts, profile.name, result.session, { thenWrite: () => saveProfile(ctx.paths, profile, !!flags['set-default']) });
  if (replaces) ctx.stderr(`Replaced the session of ${existing.issuer} (client ${existing.clientId}): profile "${profile.name}" now uses ${profile.issuer} (client ${profile.clientId}).\n`);
  const { account } = result.session;
  ctx.stdout(`Signed in to profile "${profile.name}" as ${formatAccount(account)}.\n`);
  if (!result.session.refreshToken) {
    ctx.stderr(`Note: ${profile.issuer} gave no refresh token, so you will have to sign in again in ${formatDuration((result.session.expiresAt - Date.now()) / 1000)}. `
      + 'Most issuers need the offline_access scope for one (`--scope "openid offline_access"`).\n');
  }
  if (profile.hosts.length === 0) ctx.stderr('Note: the profile lists no hosts, so the credential helpers answer for none; add some with `--host`.\n');
  return 0;
}

function splitWords(values: string[]): string[] {
  const words = values.flatMap((v) => v.split(/\s+/)).filter((w) => w !== '');
  if (words.length === 0) throw new UsageError('--scope needs at least one scope. See `credshare login --help`.');
  return [...new Set(words)];
}

function checkHost(value: string): string {
  const host = value.trim().toLowerCase();
  if (!/^(\*\.)?[a-z0-9.-]+(:\d+)?$|^\[[0-9a-f:.]+\](:\d+)?$/.test(host)) {
    throw new UsageError(`--host takes a host name such as artifacts.example.com, *.example.com or host:8443, not "${value}".`);
  }
  return host;
}
