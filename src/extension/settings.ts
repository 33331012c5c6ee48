import * as vscode from 'vscode';

/** Where the extension keeps tokens (setting `credshare.store`). */
export type StoreSetting = 'shared' | 'secretStorage';

/** How Sign In talks to the issuer (setting `credshare.signIn.flow`). */
export type SignInFlowSetting = 'auto' | 'browser' | 'deviceCode';

const SECTION = 'credshare';

/** The extension's settings, read fresh each time, with one event for the ones that matter. */
export class Settings implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  /** Fires when any `credshare.*` setting changes. */
  readonly onDidChange = this.emitter.event;
  private readonly listener: vscode.Disposable;

  constructor() {
    this.listener = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SECTION)) this.emitter.fire();
    });
  }

  private get config(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SECTION);
  }

  get store(): StoreSetting {
    return this.config.get<string>('store') === 'secretStorage' ? 'secretStorage' : 'shared';
  }

  /** The profile chosen in settings; empty means `CREDSHARE_PROFILE`, else config.json's default. */
  get profile(): string {
    return this.config.get<string>('profile', '').trim();
  }

  get terminalEnabled(): boolean {
    return this.config.get<boolean>('terminal.enabled', true);
  }

  /** For a first sign-in, when config.json has no such profile yet. */
  get issuer(): string {
    return this.config.get<string>('issuer', '').trim();
  }

  get clientId(): string {
    return this.config.get<string>('clientId', '').trim();
  }

  /** For a first sign-in: a fixed loopback port for the browser flow; undefined = random. */
  get redirectPort(): number | undefined {
    const port = this.config.get<number>('signIn.redirectPort', 0);
    return Number.isInteger(port) && port > 0 && port <= 65535 ? port : undefined;
  }

  get signInFlow(): SignInFlowSetting {
    const flow = this.config.get<string>('signIn.flow');
    return flow === 'browser' || flow === 'deviceCode' ? flow : 'auto';
  }

  /** Writes the profile choice to user settings (Switch Profile). */
  async setProfile(name: string): Promise<void> {
    await this.config.update('profile', name, vscode.ConfigurationTarget.Global);
  }

  dispose(): void {
    this.listener.dispose();
    this.emitter.dispose();
  }
}
