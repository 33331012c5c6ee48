import * as net from 'node:net';
import { CredshareError, RefreshFailedError, SignInRequiredError, ExitCode, UsageError } from '../core/errors';
import { IPC_HANDLE_ENV, IPC_MAX_MESSAGE, IPC_NONCE_ENV, type IpcResponse, type IpcSessionRequest } from '../core/ipc-protocol';
import type { Session } from '../core/session';

/** A failure the window reported that maps to none of the narrower classes. */
class WindowError extends CredshareError {
  override readonly code: string;
  override readonly exitCode: number;
  constructor(message: string, code: string, exitCode: number) {
    super(message);
    this.code = code;
    this.exitCode = exitCode;
  }
}

const TIMEOUT_MS = 120_000;

/**
 * Asks the VS Code window that started this terminal for a session (its tokens live in
 * SecretStorage, out of this process's reach). Loaded only when `CREDSHARE_IPC_HANDLE` is
 * set, so the file-store hot path pays nothing for it. The answer carries no refresh token.
 */
export async function sessionOverIpc(env: NodeJS.ProcessEnv, profile: string, minValiditySeconds?: number, scopes?: string[]): Promise<Session> {
  const handle = env[IPC_HANDLE_ENV]!;
  // The window's nonce opens the profile it gave this terminal only; say so rather than be refused.
  if (env.CREDSHARE_PROFILE && profile !== env.CREDSHARE_PROFILE) {
    throw new UsageError(`This terminal gets its tokens from the VS Code window that opened it, for profile "${env.CREDSHARE_PROFILE}" only, not "${profile}". `
      + `Switch the window's profile ("credshare: Switch Profile") and open a new terminal, or unset ${IPC_HANDLE_ENV} to use the credshare home directly.`);
  }
  const nonce = env[IPC_NONCE_ENV] ?? '';
  const request: IpcSessionRequest = { nonce, op: 'session', profile, ...(minValiditySeconds === undefined ? {} : { minValiditySeconds }), ...(scopes?.length ? { scopes } : {}) };
  const response = await exchange(handle, request);
  if (!response.ok) {
    if (response.code === 'SIGN_IN_REQUIRED') throw new SignInRequiredError(response.message);
    if (response.code === 'REFRESH_FAILED') throw new RefreshFailedError(response.message);
    throw new WindowError(response.message, response.code, response.exitCode || ExitCode.failure);
  }
  const { accessToken, expiresAt, scope, account } = response.session;
  return { accessToken, refreshToken: '', expiresAt, scope, account };
}

function exchange(handle: string, request: IpcSessionRequest): Promise<IpcResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(handle);
    let text = '';
    const fail = (error: Error): void => { socket.destroy(); reject(error); };
    socket.setTimeout(TIMEOUT_MS, () => fail(new RefreshFailedError(`The VS Code window behind ${IPC_HANDLE_ENV} did not answer within ${TIMEOUT_MS / 1000}s. Try again, or open a new terminal.`)));
    socket.on('connect', () => socket.end(JSON.stringify(request) + '\n'));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.length > IPC_MAX_MESSAGE) fail(new CredshareError('The VS Code window sent an oversized answer.'));
    });
    socket.on('end', () => {
      try {
        resolve(JSON.parse(text) as IpcResponse);
      } catch {
        reject(new CredshareError('The VS Code window that started this terminal sent an answer credshare cannot read. Open a new terminal and try again.'));
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      reject(new CredshareError(`Cannot reach the VS Code window that started this terminal (${error.code ?? error.message}): it keeps the tokens in SecretStorage. `
        + `If the window was closed or reloaded, open a new terminal in a credshare window, or unset ${IPC_HANDLE_ENV} to use the credshare home directly.`));
    });
  });
}
