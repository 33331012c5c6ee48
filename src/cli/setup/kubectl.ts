import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { CredshareError } from '../../core/errors';
import { EXEC_API_VERSIONS } from '../protocols/kubectl';
import { editWithTool, readToolFile, userHome, writeToolFile } from './files';
import type { SetupRequest } from './request';

/**
 * kubectl: a user `credshare-<profile>` in the kubeconfig (--kubeconfig, else the first
 * file of $KUBECONFIG, else ~/.kube/config) whose exec plugin is credshare, with
 * `provideClusterInfo: true`: kubectl then tells the plugin which cluster's server it is
 * about to call, and credshare answers only for a server on one of the profile's hosts.
 * Without it, any kubeconfig that names this (predictable) user in a context, say one a
 * repository ships and a user merges through $KUBECONFIG, would receive the token.
 *
 * kubectl itself edits the file (`kubectl config set-credentials`, which keeps every other
 * cluster, context and user as they are), but a private copy of it: the result is written
 * back like every file setup writes (files.ts). Contexts are the user's to choose: the
 * report says how to point one at this user. --undo removes the user (kubectl config unset
 * users.<name>).
 */
export function setupKubectl(request: SetupRequest): void {
  const { profile, bins, profileArgs, undo, say, ctx } = request;
  const file = request.kubeconfig
    ? path.resolve(request.kubeconfig)
    : ctx.env.KUBECONFIG?.split(path.delimiter).find((f) => f !== '') ?? path.join(userHome(ctx.env), '.kube', 'config');
  const user = `credshare-${profile.name}`;
  const wanted = { command: bins.credshare, args: ['helper', '--protocol', 'kubectl', 'get', ...profileArgs], apiVersion: EXEC_API_VERSIONS[0], provideClusterInfo: true };
  const original = readToolFile(file);
  const report: string[] = [];
  const edited = editWithTool(original, (copy) => {
    const kubectl = (...args: string[]) => runKubectl(ctx.env, [...args, '--kubeconfig', copy]);
    const current = original.text === undefined ? undefined : currentExec(kubectl, user);
    if (undo) {
      if (current === undefined) { report.push(`kubectl: ${file}: no user ${user}; nothing changed`); return; }
      kubectl('config', 'unset', `users.${user}`);
      report.push(`kubectl: ${file}: removed user ${user}`);
      const using = usingContexts(kubectl, user);
      if (using.length > 0) report.push(`kubectl: contexts still naming ${user}: ${using.join(', ')}; point them at another user (kubectl config set-context NAME --user=USER)`);
      return;
    }
    if (current && current.command === wanted.command && JSON.stringify(current.args ?? []) === JSON.stringify(wanted.args)
      && current.apiVersion === wanted.apiVersion && current.provideClusterInfo === true) {
      report.push(`kubectl: ${file}: user ${user} already runs credshare; nothing changed`);
      return;
    }
    kubectl('config', 'set-credentials', user,
      `--exec-command=${wanted.command}`, `--exec-api-version=${wanted.apiVersion}`,
      ...wanted.args.map((a) => `--exec-arg=${a}`), '--exec-interactive-mode=Never', '--exec-provide-cluster-info=true');
    report.push(`kubectl: ${file}: ${current ? 'updated' : 'added'} user ${user}:`);
    report.push(`  exec: {apiVersion: ${wanted.apiVersion}, command: ${wanted.command}, args: [${wanted.args.join(', ')}], interactiveMode: Never, provideClusterInfo: true}`);
    report.push(`kubectl: credshare answers for a cluster only when its server is one of the hosts of profile "${profile.name}" (${profile.hosts.join(', ') || 'none yet'})`);
    report.push(`kubectl: use it in a context: kubectl config set-context CONTEXT --user=${user}${request.kubeconfig ? ` --kubeconfig ${file}` : ''}`);
  });
  if (edited !== undefined && edited !== original.text) writeToolFile(original, edited, request.warn, 0o600);
  for (const line of report) say(line);
}

interface ExecConfig { command?: string; args?: string[]; apiVersion?: string; provideClusterInfo?: boolean }

type Kubectl = (...args: string[]) => string;

function runKubectl(env: NodeJS.ProcessEnv, args: string[]): string {
  const result = spawnSync('kubectl', args, { env, encoding: 'utf8' });
  if (result.error) throw new CredshareError(`cannot run kubectl (${(result.error as NodeJS.ErrnoException).code ?? result.error.message}); install kubectl or put it on PATH.`);
  if (result.status !== 0) throw new CredshareError(`kubectl ${args.slice(0, 2).join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

/** The kubeconfig as kubectl reads it, without secrets decoded (`--raw` is not used). */
function view(kubectl: Kubectl): { users?: { name: string; user?: { exec?: ExecConfig } }[]; contexts?: { name: string; context?: { user?: string } }[] } {
  return JSON.parse(kubectl('config', 'view', '-o', 'json'));
}

function currentExec(kubectl: Kubectl, user: string): ExecConfig | undefined {
  const entry = view(kubectl).users?.find((u) => u.name === user);
  return entry ? entry.user?.exec ?? {} : undefined;
}

function usingContexts(kubectl: Kubectl, user: string): string[] {
  return (view(kubectl).contexts ?? []).filter((c) => c.context?.user === user).map((c) => c.name);
}
