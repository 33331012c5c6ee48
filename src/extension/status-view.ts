import * as vscode from 'vscode';
import { formatDuration } from '../core/format';
import type { CredentialBackend } from './backend';

const SCHEME = 'credshare-status';
export const STATUS_URI = vscode.Uri.from({ scheme: SCHEME, path: '/credshare status.md' });

/**
 * "credshare: Show Status": a read-only document saying who is signed in, how long the
 * access token lasts, where the session lives and what terminals get. Never a token.
 * It follows changes while open.
 */
export class StatusView implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly backend: CredentialBackend, private readonly terminalsEnabled: () => boolean) {
    this.disposables = [
      this.emitter,
      vscode.workspace.registerTextDocumentContentProvider(SCHEME, this),
      backend.watcher.onDidTransition(() => this.emitter.fire(STATUS_URI)),
      backend.onDidChangeActivity(() => this.emitter.fire(STATUS_URI)),
      backend.onDidChangeMode(() => this.emitter.fire(STATUS_URI)),
    ];
  }

  async show(): Promise<void> {
    this.emitter.fire(STATUS_URI);
    const document = await vscode.workspace.openTextDocument(STATUS_URI);
    await vscode.window.showTextDocument(document, { preview: true });
  }

  async provideTextDocumentContent(): Promise<string> {
    const b = this.backend;
    const t = vscode.l10n.t;
    const name = b.profileName();
    const profile = b.profile();
    const lines = [`# ${t('credshare status')}`, '', `- ${t('Profile')}: ${name}`];
    if (!profile) {
      lines.push(`- ${t('Signed out: profile "{0}" does not exist yet. Run "credshare: Sign In" (or `credshare login` in a terminal).', name)}`);
    } else {
      lines.push(`- ${t('Issuer')}: ${profile.issuer}`, `- ${t('Client')}: ${profile.clientId}`);
      const session = await b.peek().catch(() => undefined);
      if (!session) {
        lines.push(`- ${t('Signed out. Run "credshare: Sign In" (or `credshare login` in a terminal).')}`);
      } else {
        const left = session.expiresAt - Date.now();
        lines.push(`- ${t('Account')}: ${session.account.label || session.account.id} (${session.account.id})`);
        lines.push(`- ${t('Access token')}: ${left > 0 ? t('valid for {0} (until {1})', formatDuration(left / 1000), new Date(session.expiresAt).toISOString()) : t('expired {0} ago; the next request refreshes it', formatDuration(-left / 1000))}`);
        lines.push(`- ${t('Refresh tolerance')}: ${profile.refreshToleranceSeconds}s`);
      }
      const last = b.storeMode.parts.record.read(name);
      if (last) lines.push(`- ${t('Last refresh (any window or process)')}: ${last.outcome} ${t('at')} ${new Date(last.at).toISOString()}${last.message ? ` (${last.message})` : ''}`);
    }
    const activity = b.activity;
    if (activity.kind === 'refreshing') lines.push(`- ${t('Now')}: ${t('refreshing')}`);
    if (activity.kind === 'error') lines.push(`- ${t('Last request failed')}: ${activity.message}`, `- ${t('Details: run "credshare: Show Log".')}`);
    lines.push('', `## ${t('Where')}`, '');
    lines.push(`- ${t('Store')}: ${b.storeMode.kind === 'shared' ? b.paths.credentials : t('VS Code SecretStorage')}`);
    if (b.fallback) lines.push(`- ${t('SecretStorage is not shared between the windows of this VS Code ({0}), so credshare uses the shared store instead.', b.fallback)}`);
    lines.push(`- ${t('Refresh lock')}: ${b.storeMode.parts.lock.lockPath}`);
    lines.push(`- ${t('Home')}: ${b.paths.home}`);
    lines.push(`- ${t('Terminals')}: ${this.terminalsEnabled()
      ? t('`credshare` on PATH, CREDSHARE_HOME and CREDSHARE_PROFILE set{0}', b.storeMode.kind === 'secretStorage' ? t('; tokens through this window') : '')
      : t('off (credshare.terminal.enabled)')}`);
    return lines.join('\n') + '\n';
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
