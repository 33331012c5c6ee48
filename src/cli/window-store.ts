import { CredshareError, SignInRequiredError } from '../core/errors';
import { IPC_HANDLE_ENV } from '../core/ipc-protocol';
import type { Session } from '../core/session';

/**
 * In a terminal of a VS Code window with `credshare.store = secretStorage`, the session
 * lives in that window's SecretStorage, not in the credshare home: the CLI can only ask
 * the window for it (CREDSHARE_IPC_HANDLE, src/cli/ipc-client.ts).
 */
export function inSecretStorageWindow(env: NodeJS.ProcessEnv): boolean {
  return !!env[IPC_HANDLE_ENV];
}

/** The window's current session (refreshed only if expired), or undefined when signed out. */
export async function windowSession(env: NodeJS.ProcessEnv, profile: string): Promise<Session | undefined> {
  const { sessionOverIpc } = await import('./ipc-client');
  try {
    return await sessionOverIpc(env, profile, 0);
  } catch (error) {
    if (error instanceof SignInRequiredError) return undefined;
    throw error;
  }
}

/**
 * `login` and `logout` act on the credshare home; in such a terminal that would sign a
 * session in or out that the window does not use. Say where to do it instead.
 */
export function refuseInSecretStorageWindow(env: NodeJS.ProcessEnv, action: 'Sign In' | 'Sign Out'): void {
  if (!inSecretStorageWindow(env)) return;
  throw new CredshareError(`This terminal belongs to a VS Code window that keeps its credshare tokens in SecretStorage (credshare.store = secretStorage). `
    + `Use the window's "credshare: ${action}" command instead; to act on the credshare home, unset ${IPC_HANDLE_ENV} first.`);
}
