import * as path from 'node:path';
import * as vscode from 'vscode';
import { IPC_HANDLE_ENV, IPC_NONCE_ENV } from '../core/ipc-protocol';
import type { CredentialBackend } from './backend';
import type { IpcServer } from './ipc-server';
import { writeLauncher } from './launcher';
import type { Settings } from './settings';

/**
 * What integrated terminals get: the bundled CLI first on PATH (through a launcher), the
 * credshare home and the active profile, and in SecretStorage mode the handle and nonce of
 * this window's IPC socket. Never a token: the CLI fetches tokens itself.
 */
export class TerminalEnvironment implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[];
  private binDir: string | undefined;
  private applying: Promise<void> = Promise.resolve();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly settings: Settings,
    private readonly backend: CredentialBackend,
    private readonly ipc: () => Promise<IpcServer>,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables = [
      settings.onDidChange(() => void this.apply()),
      backend.onDidChangeMode(() => void this.apply()),
    ];
  }

  /** clear(), then set everything again: on activation and on every relevant change, one at a time. */
  apply(): Promise<void> {
    this.applying = this.applying.then(() => this.applyNow());
    return this.applying;
  }

  private async applyNow(): Promise<void> {
    const collection = this.context.environmentVariableCollection;
    collection.clear();
    if (!this.settings.terminalEnabled) {
      this.log.info('terminal integration off (credshare.terminal.enabled)');
      return;
    }
    const viaWindow = this.backend.storeMode.kind === 'secretStorage';
    try {
      this.binDir ??= writeLauncher(path.join(this.context.globalStorageUri.fsPath, 'bin'), process.execPath, this.context.asAbsolutePath(path.join('dist', 'cli.js')));
      // The nonce must die with the window: a collection holding it is never persisted.
      collection.persistent = !viaWindow;
      collection.description = viaWindow
        ? vscode.l10n.t({
          message: 'Enables `credshare` in terminals: the CLI on PATH, the credshare profile, and a private channel to this window for its tokens in SecretStorage.',
          comment: ['Shown in the terminal\'s environment hover. `credshare` is a command name and PATH an environment variable: keep both. SecretStorage is the VS Code API that keeps secrets in the OS keychain.'],
        })
        : vscode.l10n.t({
          message: 'Enables `credshare` in terminals: the CLI on PATH, and the credshare home and profile this window uses.',
          comment: ['Shown in the terminal\'s environment hover. `credshare` is a command name and PATH an environment variable: keep both. The credshare home is its configuration directory.'],
        });
      collection.prepend('PATH', this.binDir + path.delimiter);
      collection.replace('CREDSHARE_HOME', this.backend.paths.home);
      collection.replace('CREDSHARE_PROFILE', this.backend.profileName());
      if (viaWindow) {
        const server = await this.ipc();
        collection.replace(IPC_HANDLE_ENV, server.handle);
        // Good for this profile only: a terminal cannot ask the window for another one's token.
        collection.replace(IPC_NONCE_ENV, server.nonceFor(this.backend.profileName()));
      }
      this.log.info(`terminals: credshare on PATH (${this.binDir}), profile "${this.backend.profileName()}"${viaWindow ? ', tokens through this window' : ''}`);
    } catch (error) {
      this.log.error(`cannot set up the terminal environment: ${(error as Error).message}`);
    }
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
