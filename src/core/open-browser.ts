import { spawn } from 'node:child_process';

/** How long a launcher may run before we take "still running" for "it opened something". */
const SETTLE_MS = 1500;

/**
 * Opens a URL in the user's browser: `$BROWSER` if set (a command, no shell), else the
 * platform's opener (`open`, `rundll32 url.dll`, `xdg-open`). Resolves true when a
 * launcher ran without complaint, false when none could; never throws, so a machine
 * without a browser falls back to the printed URL.
 */
export function openInBrowser(url: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  const [command, ...args] = launcher(url, env, platform);
  return new Promise((resolve) => {
    let settled = false;
    const settle = (opened: boolean): void => { if (!settled) { settled = true; resolve(opened); } };
    try {
      const child = spawn(command!, args, { stdio: 'ignore', detached: platform !== 'win32', env });
      child.once('error', () => settle(false));
      child.once('exit', (code) => settle(code === 0));
      // Some launchers stay in the foreground as the browser; do not wait for them.
      setTimeout(() => settle(true), SETTLE_MS).unref();
      child.unref();
    } catch {
      settle(false);
    }
  });
}

function launcher(url: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string[] {
  // $BROWSER may be a colon-separated list (the old sensible-browser convention): take the first.
  const browser = env.BROWSER?.split(':')[0]?.trim();
  if (browser) return [browser, url];
  if (platform === 'darwin') return ['open', url];
  // rundll32 takes the URL as one argument, where `cmd /c start` would split it at every '&'.
  if (platform === 'win32') return ['rundll32', 'url.dll,FileProtocolHandler', url];
  return ['xdg-open', url];
}
