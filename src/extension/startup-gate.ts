// The extension's entry point (dist/extension.js): small on purpose. VS Code loads it in
// every window at start-up (onStartupFinished); the extension proper (dist/extension-main.js)
// loads only where someone uses credshare. See docs/architecture.md, "Idle cost".
import * as vscode from 'vscode';
import { resolveHome } from '../core/paths';
import type * as Main from './extension';
import { ProfileAppearance, profileExists } from './profile-presence';
import { StandIn, type Awake } from './stand-in';

/**
 * With a profile on disk (someone signed in on this machine, here or in a terminal), the
 * window needs credshare now: the status bar, the Accounts menu, terminals of a workspace
 * never opened before. Without one, it needs nothing until the first sign-in, command or
 * request for a session: a {@link StandIn} answers until then, and a profile created
 * elsewhere wakes the window through a file event.
 */
export function activate(context: vscode.ExtensionContext): void {
  const paths = resolveHome(process.env);
  const wakeUp = (): Awake => loadMain().activate(context);
  if (profileExists(paths)) {
    wakeUp();
    return;
  }
  const commands = (context.extension.packageJSON as { contributes?: { commands?: { command: string }[] } }).contributes?.commands ?? [];
  const standIn = new StandIn(commands.map((c) => c.command), () => profileExists(paths), wakeUp);
  const appearance = new ProfileAppearance(paths, () => standIn.profileAppeared());
  context.subscriptions.push(standIn, appearance);
}

export function deactivate(): void {}

// Beside this file in dist/, built from ./extension.ts; loaded on first use, not at start-up.
function loadMain(): typeof Main {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./extension-main.js') as typeof Main;
}
