import { UsageError } from '../../core/errors';
import type { Session } from '../../core/session';
import { rfc3339Seconds } from './bazel';
import { parseToolUrl } from './host-match';

/** The ExecCredential versions client-go's exec plugin support accepts (v1alpha1 is gone). */
export const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'] as const;
export type ExecApiVersion = (typeof EXEC_API_VERSIONS)[number];

/** What kubectl (client-go) tells its exec plugin in `KUBERNETES_EXEC_INFO`. */
export interface ExecInfo {
  apiVersion: ExecApiVersion;
  /** `spec.cluster.server`: present only when the kubeconfig sets `provideClusterInfo: true`. */
  server?: { text: string; url: URL | undefined };
}

/**
 * Reads `KUBERNETES_EXEC_INFO`. client-go refuses an answer in another version than the
 * one it asked for, so the answer mirrors it; without the variable, v1.
 */
export function parseExecInfo(value: string | undefined): ExecInfo {
  if (value === undefined || value.trim() === '') return { apiVersion: EXEC_API_VERSIONS[0] };
  let info: { apiVersion?: unknown; spec?: { cluster?: { server?: unknown } } } | null;
  try {
    info = JSON.parse(value);
  } catch {
    throw new UsageError('kubectl credential plugin: KUBERNETES_EXEC_INFO is not JSON.');
  }
  const apiVersion = info?.apiVersion ?? EXEC_API_VERSIONS[0];
  if (!EXEC_API_VERSIONS.includes(apiVersion as ExecApiVersion)) {
    throw new UsageError(`kubectl credential plugin: apiVersion ${JSON.stringify(apiVersion)} is not supported; set the kubeconfig user's exec apiVersion to ${EXEC_API_VERSIONS.join(' or ')}.`);
  }
  const server = info?.spec?.cluster?.server;
  // A server credshare cannot parse still counts as given: it then matches no host.
  return { apiVersion: apiVersion as ExecApiVersion, server: typeof server === 'string' ? { text: server, url: parseToolUrl(server) } : undefined };
}

/** The ExecCredential kubectl reads from standard output: a bearer token and when it expires. */
export function formatExecCredential(apiVersion: ExecApiVersion, session: Session): string {
  return JSON.stringify({
    kind: 'ExecCredential',
    apiVersion,
    status: { token: session.accessToken, expirationTimestamp: rfc3339Seconds(session.expiresAt) },
  }) + '\n';
}
