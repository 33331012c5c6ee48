// Debian's chromium driven by playwright-core (never `npx playwright install`: no downloads).
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { toolPaths } from './paths';
import { VsCodeWindow } from './window';
import type { VsCodeServer } from './server';

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface E2eBrowser {
  browser: Browser;
  /** One browser profile: all windows share it (like tabs of one user's browser). */
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(opts: { headless?: boolean; slowMo?: number } = {}): Promise<E2eBrowser> {
  const browser = await chromium.launch({
    executablePath: toolPaths().chromium,
    args: chromiumArgs,
    headless: opts.headless ?? true,
    slowMo: opts.slowMo,
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  return {
    browser,
    context,
    async close() {
      await context.close().catch(() => {});
      await browser.close().catch(() => {});
    },
  };
}

/** Another browser profile (own localStorage/IndexedDB) in the same browser: like another person's browser. */
export async function newBrowserProfile(b: E2eBrowser): Promise<E2eBrowser> {
  const context = await b.browser.newContext({ viewport: { width: 1280, height: 800 } });
  return { browser: b.browser, context, close: () => context.close().catch(() => {}) };
}

export interface OpenWindowsOptions {
  folder?: string;
  /** Wait for the workbench of each window before opening the next (default true: on 2 cores
   *  starting several extension hosts at once only makes each slower). */
  sequential?: boolean;
  timeoutMs?: number;
}

// Window numbers count up per browser profile, across openWindows calls (for screenshot names).
const opened = new WeakMap<BrowserContext, number>();

/** Open `n` workbench windows (browser tabs, each with its own extension host) on a folder. */
export async function openWindows(server: VsCodeServer, b: E2eBrowser, n: number, opts: OpenWindowsOptions = {}): Promise<VsCodeWindow[]> {
  const windows: VsCodeWindow[] = [];
  for (let i = 0; i < n; i++) {
    const page = await b.context.newPage();
    const index = (opened.get(b.context) ?? 0) + 1;
    opened.set(b.context, index);
    const w = new VsCodeWindow(page, server, index);
    // The workbench is ~19 MB of script: on a loaded 2-core machine its load event took over 30 s (playwright's default).
    await page.goto(server.windowUrl(opts.folder), { timeout: opts.timeoutMs ?? 120_000 });
    if (opts.sequential !== false) await w.waitForWorkbench(opts.timeoutMs);
    windows.push(w);
  }
  if (opts.sequential === false) await Promise.all(windows.map((w) => w.waitForWorkbench(opts.timeoutMs)));
  return windows;
}
