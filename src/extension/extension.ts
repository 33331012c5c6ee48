import * as vscode from 'vscode';
import { setProcessLabel } from '../core/lock-owner';
import { CredshareAuthenticationProvider } from './auth-provider';
import { CredentialBackend } from './backend';
import { Commands } from './commands';
import { RecentSignIns } from './join-recent';
import { Settings } from './settings';
import type { Awake } from './stand-in';
import { SharingGuard } from './sharing-guard';
import { SignInFlow } from './sign-in';
import { StatusBar } from './status-bar';
import { StatusView } from './status-view';
import { TerminalEnvironment } from './terminal-env';
import { TerminalIpc } from './terminal-ipc';

/**
 * Wiring only: each capability is a Disposable of its own. Started by the startup gate
 * (startup-gate.ts, the bundle's entry) where credshare is used; returns the provider so
 * that a call the gate's stand-in received can be handed over.
 */
export function activate(context: vscode.ExtensionContext): Awake {
  // How other processes name this one in the lock owner record and refresh claims (17.6).
  setProcessLabel('VS Code window');
  const log = vscode.window.createOutputChannel('credshare', { log: true });
  const settings = new Settings();
  const backend = new CredentialBackend(context, settings, log);
  const recent = new RecentSignIns();
  const signIn = new SignInFlow(backend, settings, recent, log);
  const statusView = new StatusView(backend, () => settings.terminalEnabled);
  const ipc = new TerminalIpc(backend, log);
  const terminals = new TerminalEnvironment(context, settings, backend, () => ipc.get(), log);
  const provider = new CredshareAuthenticationProvider(backend, (scopes, options) => signIn.run(scopes, options), recent, log);
  context.subscriptions.push(
    log,
    settings,
    backend,
    provider,
    new StatusBar(backend),
    statusView,
    new Commands(backend, settings, signIn, statusView, log),
    new SharingGuard(context, backend, log),
    ipc,
    terminals,
  );
  log.info(`activated in extension host ${process.pid}; home ${backend.paths.home}, store ${backend.describeStore()}`);
  void terminals.apply();
  return { provider, noteEmptyAnswer: (scopes, at) => recent.noteAnswer(scopes, true, at) };
}

export function deactivate(): void {}
