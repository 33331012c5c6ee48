// Which store a window may use, given where its extension host runs. No vscode import:
// test/unit/extension-store-choice.test.ts runs the table.
import type { StoreSetting } from './settings';

/** Why a window keeps its sessions where it does. */
export type StoreReason =
  /** `credshare.store` as set: a local window, or a web workbench served by the extension host's own server. */
  | 'setting'
  /** SecretStorage asked for, but the extension host runs on another machine than VS Code keeps secrets on. */
  | 'remote';

export interface StoreChoice {
  kind: StoreSetting;
  reason: StoreReason;
  /** How the window was classified, for the log and the status: `local`, `served-web` or `remote (<name>)`. */
  where: string;
}

/** The remote kinds VS Code and its well-known extensions name (`vscode.env.remoteName`). */
export const KNOWN_REMOTES = ['ssh-remote', 'dev-container', 'attached-container', 'wsl', 'codespaces', 'tunnel', 'k8s-container'] as const;

/**
 * The store a window uses, from `credshare.store`, `vscode.env.remoteName` and
 * `vscode.env.uiKind`. The rule: a grant may only live where every extension host that can
 * read it takes one lock, because two hosts refreshing one rotating refresh token without
 * a shared lock get the session revoked.
 *
 * - **Local desktop window** (no remoteName): SecretStorage is the OS keychain of this
 *   machine, the lock and refresh record sit in this machine's global storage, and every
 *   window reading the keychain runs here: the setting holds.
 * - **Remote window** (SSH, dev container, WSL, Codespaces, tunnel, or any remote kind this
 *   table does not know): the extension runs on the remote, its lock and record in the
 *   remote's storage, but VS Code keeps the extension's secrets on the local machine (the
 *   desktop keychain, or the browser of vscode.dev/github.dev), where local windows and
 *   windows to other remotes read the same grant under their own locks. So the window uses
 *   the shared store of the remote's own credshare home: the remote has its own sign-in,
 *   coordinated by the remote's file lock with the remote's terminals and tools.
 * - **Web workbench served by the extension host's own server** (code-server,
 *   `code serve-web`, openvscode-server: uiKind web, and a remoteName that is that server's
 *   authority, `host:port`, not a remote kind): secrets live in the browser for that server's
 *   origin, encrypted with a key half the server holds, so only that server's extension hosts
 *   read them, and they all share its lock: the setting holds (and the SecretStorage sharing
 *   probe still finds out whether windows see each other's writes).
 */
export function chooseStore(setting: StoreSetting, env: { remoteName: string | undefined; uiKind: 'desktop' | 'web' }): StoreChoice {
  const { remoteName, uiKind } = env;
  if (remoteName === undefined) return { kind: setting, reason: 'setting', where: 'local' };
  if (uiKind === 'web' && isServerAuthority(remoteName)) return { kind: setting, reason: 'setting', where: 'served-web' };
  const where = `remote (${remoteName || 'unnamed'})`;
  return setting === 'secretStorage' ? { kind: 'shared', reason: 'remote', where } : { kind: 'shared', reason: 'setting', where };
}

/**
 * True for a remoteName that is a server's own authority (`127.0.0.1:8080`, `ide.example.com`):
 * VS Code's remoteName is the part of the remote authority before `+`, which for a web
 * workbench served without a resolver is the whole `host[:port]`. Remote kinds are resolver
 * names (`ssh-remote`): letters, digits and dashes, no dot or colon.
 */
function isServerAuthority(remoteName: string): boolean {
  if ((KNOWN_REMOTES as readonly string[]).includes(remoteName)) return false;
  return /^[a-z0-9.-]+(:\d+)?$/i.test(remoteName) && (remoteName.includes('.') || remoteName.includes(':') || remoteName === 'localhost')
    || /^\[[0-9a-f:.]+\](:\d+)?$/i.test(remoteName);
}
