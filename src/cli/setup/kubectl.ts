import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { CredshareError } from '../../core/errors';
import { EXEC_API_VERSIONS } from '../protocols/kubectl';
import { userHome } from './files';
import type { SetupRequest } from './request';

/**
 * kubectl: a user `credshare-<profile>` in the kubeconfig (--kubeconfig, else the first
 * file of $KUBECONFIG, else ~/.kube/config) whose exec plugin is credshare. Written by
 * kubectl itself (`kubectl config set-credentials`), which keeps every other cluster,
 * context and user as they are. Contexts are the user's to choose: the report says how to
 * point one at this user. --undo removes the user (kubectl config unset users.<name>).
 */
export function setupKubectl(request: SetupRequest): void {
  const { profile, bins, profileArgs, undo, say, ctx } = request;
  const file = request.kubeconfig
    ? path.resolve(request.kubeconfig)
    : ctx.env.KUBECONFIG?.split(path.delimiter).find((f) => f !== '') ?? path.join(userHome(ctx.env), '.kube', 'config');
  const user = `credshare-${profile.name}`;
  const kubectl = (...args: string[]) => runKubectl(ctx.env, [...args, '--kubeconfig', file]);
  const wanted = { command: bins.credshare, args: ['helper', '--protocol', 'kubectl', 'get', ...profileArgs], apiVersion: EXEC_API_VERSIONS[0] };
  const current = currentExec(kubectl, user);
  if (undo) {
    if (current === undefined) { say(`kubectl: ${file}: no user ${user}; nothing changed`); return; }
    kubectl('config', 'unset', `users.${user}`);
    say(`kubectl: ${file}: removed user ${user}`);
    const using = usingContexts(kubectl, user);
    if (using.length > 0) say(`kubectl: contexts still naming ${user}: ${using.join(', ')}; point them at another user (kubectl config set-context NAME --user=USER)`);
    return;
  }
  if (current && current.command === wanted.command && JSON.stringify(current.args ?? []) === JSON.stringify(wanted.args) && current.apiVersion === wanted.apiVersion) {
    say(`kubectl: ${file}: user ${user} already runs credshare; nothing changed`);
    return;
  }
  kubectl('config', 'set-credentials', user,
    `--exec-command=${wanted.command}`, `--exec-api-version=${wanted.apiVersion}`,
    ...wanted.args.map((a) => `--exec-arg=${a}`), '--exec-interactive-mode=Never');
  say(`kubectl: ${file}: ${current ? 'updated' : 'added'} user ${user}:`);
  say(`  exec: {apiVersion: ${wanted.apiVersion}, command: ${wanted.command}, args: [${wanted.args.join(', ')}], interactiveMode: Never}`);
  say(`kubectl: use it in a context: kubectl config set-context CONTEXT --user=${user}${request.kubeconfig ? ` --kubeconfig ${file}` : ''}`);
}

interface ExecConfig { command?: string; args?: string[]; apiVersion?: string }

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
