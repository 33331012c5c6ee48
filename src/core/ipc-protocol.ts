/**
 * The protocol between `credshare` in an integrated terminal and the VS Code window that
 * started the terminal, used when that window keeps its tokens in SecretStorage (no file
 * the CLI could read). Shared by the CLI (client) and the extension (server), hence in core.
 *
 * One request per connection: the client writes one JSON line, the server answers with
 * one JSON line and closes. Every request carries the window's nonce; the socket itself
 * lives in a 0700 directory, so other users cannot even connect.
 */

/** Environment variable naming the socket (a Unix socket path, or a named pipe on Windows). */
export const IPC_HANDLE_ENV = 'CREDSHARE_IPC_HANDLE';
/** Environment variable holding the per-window nonce (never persisted by VS Code). */
export const IPC_NONCE_ENV = 'CREDSHARE_IPC_NONCE';
/** Requests and answers are tiny; anything near this is not one. */
export const IPC_MAX_MESSAGE = 64 * 1024;

/** Ask for a session of `profile` valid for at least `minValiditySeconds` (or the profile's tolerance). */
export interface IpcSessionRequest {
  nonce: string;
  op: 'session';
  profile: string;
  minValiditySeconds?: number;
  /** The scope set the token is for (`credshare token --scope`); absent: the grant's. */
  scopes?: string[];
}

/** What a terminal gets: the access token and what describes it, never the refresh token. */
export interface IpcSession {
  accessToken: string;
  expiresAt: number;
  scope: string;
  account: { id: string; label: string };
}

export type IpcResponse =
  | { ok: true; session: IpcSession }
  | { ok: false; code: string; exitCode: number; message: string };
