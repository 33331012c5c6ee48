import { UsageError } from '../../core/errors';
import type { Profile } from '../../core/profile';
import type { Session } from '../../core/session';
import { parseCommandLine } from '../args';
import type { Command } from '../command';
import { freshSession, profileFor, type CliContext } from '../context';
import { readStdin } from '../stdin';
import { formatBazelResponse, parseBazelRequest } from '../protocols/bazel';
import { DOCKER_NOT_FOUND, formatDockerResponse, parseDockerRequest } from '../protocols/docker';
import { formatGitResponse, parseGitRequest } from '../protocols/git';
import { mayReceiveToken } from '../protocols/host-match';

const PROTOCOLS = ['bazel', 'git', 'docker'] as const;
const OPERATIONS = ['get', 'store', 'erase'] as const;

export const helperCommand: Command = {
  name: 'helper',
  summary: 'Credential helper for Bazel, git and docker',
  usage: `Usage: credshare helper [--profile P] --protocol bazel|git|docker get|store|erase

Speaks a build tool's credential-helper protocol on standard input/output and answers
only for URLs whose host is in the profile's "hosts" (HTTPS, or HTTP on loopback);
for any other URL it answers with no credentials.

  Bazel:  bazel build --credential_helper=artifacts.example.com=credshare-bazel ...
          (a script running: credshare helper --protocol bazel "$@")
  git:    git config --global credential.https://git.example.com.helper \\
            '!credshare helper --protocol git'
  docker: a docker-credential-credshare script running
            credshare helper --protocol docker "$@"; then "credsStore": "credshare"

"store" is accepted and ignored (credshare keeps its own tokens). A git "erase" of the
current token marks it rejected, so the next "get" refreshes instead of signing out.
Without --profile (or $CREDSHARE_PROFILE) the first profile whose hosts match is used.`,
  async run(argv, context) {
    const { values, positionals } = parseCommandLine('helper', argv, { profile: { type: 'string' }, protocol: { type: 'string' } }, true);
    const protocol = values.protocol as (typeof PROTOCOLS)[number];
    if (!PROTOCOLS.includes(protocol)) throw new UsageError(`--protocol must be one of ${PROTOCOLS.join(', ')}. See \`credshare helper --help\`.`);
    const operation = positionals[0] as (typeof OPERATIONS)[number];
    if (positionals.length !== 1 || !OPERATIONS.includes(operation)) {
      // docker also sends "list"; answering with nothing is correct for it.
      if (protocol === 'docker' && positionals[0] === 'list' && positionals.length === 1) { context().stdout('{}\n'); return 0; }
      throw new UsageError(`Expected one operation, get, store or erase. See \`credshare helper --help\`.`);
    }
    const input = await readStdin();
    const ctx = context();
    if (operation === 'store') return 0;
    switch (protocol) {
      case 'bazel': {
        if (operation === 'erase') return 0;
        const url = parseBazelRequest(input);
        ctx.stdout(formatBazelResponse(await sessionFor(ctx, url, values.profile)));
        return 0;
      }
      case 'git': {
        const request = parseGitRequest(input);
        if (operation === 'erase') return eraseGitToken(ctx, request.url, request.password, values.profile);
        ctx.stdout(formatGitResponse(await sessionFor(ctx, request.url, values.profile)));
        return 0;
      }
      case 'docker': {
        if (operation === 'erase') return 0;
        const session = await sessionFor(ctx, parseDockerRequest(input), values.profile);
        if (!session) { ctx.stdout(DOCKER_NOT_FOUND + '\n'); return 1; }
        ctx.stdout(formatDockerResponse(input.split('\n')[0]!.trim(), session));
        return 0;
      }
    }
  },
};

/** The profile that may answer for this URL, or undefined: no credentials for it. */
function profileForUrl(ctx: CliContext, url: URL | undefined, explicit?: string): Profile | undefined {
  if (!url) return undefined;
  if (explicit || ctx.env.CREDSHARE_PROFILE) {
    const profile = profileFor(ctx, explicit);
    return mayReceiveToken(url, profile) ? profile : undefined;
  }
  return Object.values(ctx.config.profiles).find((profile) => mayReceiveToken(url, profile));
}

async function sessionFor(ctx: CliContext, url: URL | undefined, explicit?: string): Promise<Session | undefined> {
  const profile = profileForUrl(ctx, url, explicit);
  return profile ? freshSession(ctx, profile) : undefined;
}

async function eraseGitToken(ctx: CliContext, url: URL | undefined, password: string | undefined, explicit?: string): Promise<number> {
  const profile = profileForUrl(ctx, url, explicit);
  if (!profile || !password) return 0;
  const { fileStoreParts } = await import('../../core/file-coordinator');
  const { markAccessTokenRejected } = await import('../../core/session-writes');
  await markAccessTokenRejected(fileStoreParts(ctx.paths, ctx.config.timings), profile.name, password);
  return 0;
}
