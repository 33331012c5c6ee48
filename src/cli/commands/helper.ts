import { UsageError } from '../../core/errors';
import { parseCommandLine } from '../args';
import type { Command } from '../command';
import { freshSession, profileFor, type CliContext } from '../context';
import { profileForUrl, sessionForUrl } from '../helper-session';
import { formatBazelResponse, parseBazelRequest } from '../protocols/bazel';
import { DOCKER_NOT_FOUND, formatDockerResponse, parseDockerRequest } from '../protocols/docker';
import { formatGitResponse, parseGitRequest } from '../protocols/git';
import { formatExecCredential, parseExecInfo } from '../protocols/kubectl';

const PROTOCOLS = ['bazel', 'git', 'docker', 'cargo', 'kubectl'] as const;
const OPERATIONS = ['get', 'store', 'erase'] as const;

export const helperCommand: Command = {
  name: 'helper',
  summary: 'Credential helper for Bazel, git, docker, cargo and kubectl',
  usage: `Usage: credshare helper [--profile P] --protocol bazel|git|docker|kubectl get|store|erase
       credshare helper [--profile P] --protocol cargo

Speaks a build tool's credential-helper protocol on standard input/output and answers
only for URLs whose host is in the profile's "hosts" (HTTPS or grpcs:, or plain HTTP
and grpc: to loopback; a host without a port means the scheme's default port only).
For any other URL it answers with no credentials.

\`credshare setup <tool>\` writes these settings for you:
  Bazel:   common --credential_helper=artifacts.example.com=/path/to/credshare-bazel
           (credshare-bazel is installed beside credshare; Bazel cannot pass arguments)
  git:     git config --global credential.https://git.example.com.helper \\
             '!credshare helper --protocol git'
  docker:  "credHelpers": {"registry.example.com": "credshare"} in ~/.docker/config.json
           (docker runs docker-credential-credshare, installed beside credshare).
           Never "credsStore": that makes credshare the store for every registry.
  cargo:   [registries.NAME] credential-provider = ["credshare", "helper", "--protocol", "cargo"]
           (cargo starts \`credshare --cargo-plugin\`; answers "Bearer <token>", or the
           bare token with "cargoBareToken": true in the profile)
  kubectl: a kubeconfig user with exec: command credshare,
           args [helper, --protocol, kubectl, get]; prints an ExecCredential in the
           apiVersion KUBERNETES_EXEC_INFO asks for (v1 or v1beta1). When kubectl passes
           the cluster's server (provideClusterInfo: true), only the profile's hosts get
           a token; otherwise the kubeconfig's choice of credshare is taken as given.

"store" is accepted and ignored (credshare keeps its own tokens). A git "erase" of the
current token marks it rejected, so the next "get" refreshes instead of signing out.
Without --profile (or $CREDSHARE_PROFILE) the first profile whose hosts match is used.`,
  async run(argv, context, io) {
    const { values, positionals } = parseCommandLine('helper', argv, { profile: { type: 'string' }, protocol: { type: 'string' } }, true);
    const protocol = values.protocol as (typeof PROTOCOLS)[number];
    if (!PROTOCOLS.includes(protocol)) throw new UsageError(`--protocol must be one of ${PROTOCOLS.join(', ')}. See \`credshare helper --help\`.`);
    // cargo's protocol is a conversation, not one operation: the same as `credshare --cargo-plugin`.
    if (protocol === 'cargo') {
      if (positionals.length > 0) throw new UsageError('--protocol cargo takes no operation: cargo sends requests on standard input. See `credshare helper --help`.');
      const ctx = context();
      return (await import('../cargo-provider')).runCargoProvider(ctx.io, ctx.home);
    }
    const operation = positionals[0] as (typeof OPERATIONS)[number];
    if (positionals.length !== 1 || !OPERATIONS.includes(operation)) {
      // docker also sends "list"; answering with nothing is correct for it.
      if (protocol === 'docker' && positionals[0] === 'list' && positionals.length === 1) { context().stdout('{}\n'); return 0; }
      throw new UsageError(`Expected one operation, get, store or erase. See \`credshare helper --help\`.`);
    }
    // kubectl's request is in KUBERNETES_EXEC_INFO; its stdin may be the user's terminal.
    if (protocol === 'kubectl') return operation === 'get' ? kubectlGet(context(), values.profile) : 0;
    const input = await io.readStdin();
    const ctx = context();
    if (operation === 'store') return 0;
    switch (protocol) {
      case 'bazel': {
        if (operation === 'erase') return 0;
        ctx.stdout(formatBazelResponse(await sessionForUrl(ctx, parseBazelRequest(input), values.profile)));
        return 0;
      }
      case 'git': {
        const request = parseGitRequest(input);
        if (operation === 'erase') return eraseGitToken(ctx, request.url, request.password, values.profile);
        ctx.stdout(formatGitResponse(await sessionForUrl(ctx, request.url, values.profile)));
        return 0;
      }
      case 'docker': {
        if (operation === 'erase') return 0;
        const session = await sessionForUrl(ctx, parseDockerRequest(input), values.profile);
        if (!session) { ctx.stdout(DOCKER_NOT_FOUND + '\n'); return 1; }
        ctx.stdout(formatDockerResponse(input.split('\n')[0]!.trim(), session));
        return 0;
      }
    }
  },
};

/**
 * kubectl names its plugin per kubeconfig user, so a call already means "this user signs
 * in with credshare". The cluster's server comes only with `provideClusterInfo: true`:
 * then it must be one of the profile's hosts, as for every other tool.
 */
async function kubectlGet(ctx: CliContext, explicit: string | undefined): Promise<number> {
  const info = parseExecInfo(ctx.env.KUBERNETES_EXEC_INFO);
  const profile = info.server ? profileForUrl(ctx, info.server.url, explicit) : profileFor(ctx, explicit);
  if (!profile) {
    ctx.stderr(`credshare: the cluster server ${JSON.stringify(info.server!.text)} is not one of the hosts of ${explicit || ctx.env.CREDSHARE_PROFILE ? `profile "${explicit || ctx.env.CREDSHARE_PROFILE}"` : 'any profile'}; add its host to the profile's "hosts" in ${ctx.paths.config}.\n`);
    return 1;
  }
  ctx.stdout(formatExecCredential(info.apiVersion, await freshSession(ctx, profile)));
  return 0;
}

async function eraseGitToken(ctx: CliContext, url: URL | undefined, password: string | undefined, explicit?: string): Promise<number> {
  const profile = profileForUrl(ctx, url, explicit);
  if (!profile || !password) return 0;
  const { fileStoreParts } = await import('../../core/file-coordinator');
  const { markAccessTokenRejected } = await import('../../core/session-writes');
  await markAccessTokenRejected(fileStoreParts(ctx.paths, ctx.config.timings), profile.name, password);
  return 0;
}
