import * as vscode from 'vscode';
import { fingerprint } from '../core/session';
import type { CredentialBackend } from './backend';
import { IpcServer } from './ipc-server';

/**
 * This window's IPC server for its terminals, started on first need (SecretStorage mode)
 * and kept until the window closes, so terminals opened before a store change still work.
 */
export class TerminalIpc implements vscode.Disposable {
  private server: Promise<IpcServer> | undefined;

  constructor(private readonly backend: CredentialBackend, private readonly log: vscode.LogOutputChannel) {}

  get(): Promise<IpcServer> {
    this.server ??= IpcServer.listen(async (profile, minValiditySeconds, scopes) => {
      const session = await this.backend.getSession({ profile, minValiditySeconds, scopes });
      this.log.debug(`terminal asked for profile "${profile}": access token ${fingerprint(session.accessToken)}`);
      return { accessToken: session.accessToken, expiresAt: session.expiresAt, scope: session.scope, account: session.account };
    }, (message) => this.log.warn(message));
    this.server.then((s) => this.log.info(`terminal IPC listening on ${s.handle}`), (e: Error) => this.log.error(`terminal IPC: ${e.message}`));
    return this.server;
  }

  dispose(): void {
    void this.server?.then((s) => s.dispose(), () => undefined);
  }
}
