import { UsageError } from '../../core/errors';
import { parseCommandLine } from '../args';
import type { Command } from '../command';
import { profileFor } from '../context';
import type { SetupRequest } from '../setup/request';

/** Loaded on use: git and kubectl set-up need child_process, which the helper hot path must not pay for. */
const TOOLS: Record<string, () => Promise<(request: SetupRequest) => void>> = {
  git: async () => (await import('../setup/git')).setupGit,
  docker: async () => (await import('../setup/docker')).setupDocker,
  bazel: async () => (await import('../setup/bazel')).setupBazel,
  cargo: async () => (await import('../setup/cargo')).setupCargo,
  kubectl: async () => (await import('../setup/kubectl')).setupKubectl,
};

const NATIVE_NOTE = 'tools run the native client (a small compiled program beside this CLI), which asks a credshare agent started on first use instead of starting Node for every call. CREDSHARE_NATIVE=off when running setup writes the Node CLI instead.';

export const setupCommand: Command = {
  name: 'setup',
  summary: 'Point git, docker, Bazel, cargo or kubectl at credshare for the profile\'s hosts',
  usage: `Usage: credshare setup git|docker|bazel|cargo|kubectl [--profile P] [--undo]
                       [--bazelrc FILE] [--kubeconfig FILE]

Writes the tool's own configuration so it asks credshare for tokens for the profile's
hosts, keeping every other setting, and prints exactly what it changed. Running it again
changes nothing; --undo removes only what it added. Each file is replaced through a new
temp file, never written through a symbolic link another user could have planted; a
directory other users can write is named in a warning (standard error) first.

  git      credential.https://HOST.helper (http:// for loopback hosts) in the global git
           config ($GIT_CONFIG_GLOBAL or ~/.gitconfig): an empty value (forget other
           helpers for HOST; not when HOST has helpers of yours), then credshare; what
           it added is recorded in a [credshare "URL"] section for --undo
  docker   "credHelpers": {"HOST": "credshare"} in $DOCKER_CONFIG/config.json
           (default ~/.docker/config.json); never "credsStore"
  bazel    common --credential_helper=HOST=<credshare-bazel> lines in ~/.bazelrc
           (or --bazelrc FILE), between marker comments
  cargo    credential-provider for each [registries.NAME] in $CARGO_HOME/config.toml
           (default ~/.cargo) whose index is on a profile host
  kubectl  a user credshare-<profile> with credshare as its exec plugin and
           provideClusterInfo: true in the kubeconfig (--kubeconfig FILE, else the first
           file of $KUBECONFIG, else ~/.kube/config); it answers only for clusters
           whose server is a profile host (host:port)

The tools are given absolute paths: a credshare installed on PATH (npm install -g),
else the files this CLI runs from; its native client where the package has one for this
machine (CREDSHARE_NATIVE=off: the Node CLI instead). In a VS Code terminal whose only credshare is the
extension's launcher, setup says what that means outside VS Code.

Options:
  --profile P  Profile whose hosts to set up (default: $CREDSHARE_PROFILE, else the default)
  --undo       Remove what setup added`,
  async run(argv, context) {
    const { values, positionals } = parseCommandLine('setup', argv, {
      profile: { type: 'string' }, undo: { type: 'boolean' }, bazelrc: { type: 'string' }, kubeconfig: { type: 'string' },
    }, true);
    const tool = positionals[0];
    if (positionals.length !== 1 || tool === undefined || !Object.hasOwn(TOOLS, tool)) {
      throw new UsageError(`Name one tool: ${Object.keys(TOOLS).join(', ')}. See \`credshare setup --help\`.`);
    }
    if (values.bazelrc !== undefined && tool !== 'bazel') throw new UsageError('--bazelrc is for `credshare setup bazel`.');
    if (values.kubeconfig !== undefined && tool !== 'kubectl') throw new UsageError('--kubeconfig is for `credshare setup kubectl`.');
    const ctx = context();
    const profile = profileFor(ctx, values.profile);
    // Loaded on use: bins.ts needs child_process (net, streams), which every helper call would pay for.
    const bins = (await import('../setup/bins')).resolveBins(ctx.env);
    const say = (line: string): void => ctx.stdout(line + '\n');
    if (bins.caveat && !values.undo) ctx.stderr(`credshare: note: ${bins.caveat}\n`);
    if (bins.native && !values.undo) ctx.stderr(`credshare: note: ${NATIVE_NOTE}\n`);
    (await TOOLS[tool]!())({
      ctx,
      profile,
      profileArgs: profile.name === ctx.config.defaultProfile ? [] : ['--profile', profile.name],
      bins,
      undo: values.undo === true,
      bazelrc: values.bazelrc,
      kubeconfig: values.kubeconfig,
      say,
      warn: (line) => ctx.stderr(line + '\n'),
    });
    return 0;
  },
};
