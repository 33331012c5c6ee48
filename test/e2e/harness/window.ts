// One VS Code window = one browser tab of the web workbench = one extension host process.
// Helpers drive it the way a person does: command palette, status bar, Accounts menu,
// integrated terminal, notifications, dialogs; and find its extension host's pid and logs.
import { existsSync, readFileSync, readdirSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { resultsDir } from './paths';
import { resultFile, waitFor, waitForJson, type WaitJsonOptions } from './results';
import type { VsCodeServer } from './server';

/** Status bar item the consumer fixture shows in every window: "credshare-e2e-pid:<pid>". */
export const PID_STATUS_ITEM = 'credshare-e2e.e2e-consumer.credshareE2e.pid';

const NOTIFICATION_ITEMS = '.notifications-toasts .notification-list-item, .notifications-center .notification-list-item';

export interface AccountsMenuEntry {
  label: string;
  enabled: boolean;
  /** Entries for signed-in accounts open a submenu (Manage Trusted Extensions, Sign Out, ...). */
  submenu: boolean;
}

export class VsCodeWindow {
  private pid: number | undefined;

  constructor(
    readonly page: Page,
    readonly server: VsCodeServer,
    /** 1-based, in opening order; used in screenshot names. */
    readonly index: number,
  ) {}

  /** The workbench is up: status bar and activity bar drawn (and, with the smoke-test driver, restored). */
  async waitForWorkbench(timeoutMs = 90_000): Promise<void> {
    await this.page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
    await this.page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: timeoutMs });
    await this.page.evaluate('globalThis.driver ? globalThis.driver.whenWorkbenchRestored() : undefined');
  }

  /** This window's extension host pid, read from the consumer fixture's status bar item. */
  async extensionHostPid(timeoutMs = 60_000): Promise<number> {
    if (this.pid !== undefined) return this.pid;
    const text = await this.waitForStatusBarText(PID_STATUS_ITEM, /credshare-e2e-pid:\d+/, timeoutMs).catch((err: unknown) => {
      this.server.checkRunDir();
      throw err;
    });
    this.pid = Number(/credshare-e2e-pid:(\d+)/.exec(text)![1]);
    return this.pid;
  }

  /** Where the fixtures of this window write: <outDir>/<pid>/<name>. */
  async resultPath(name: string): Promise<string> {
    return resultFile(this.server.outDir, await this.extensionHostPid(), name);
  }

  /** Wait for a JSON file this window's fixtures write (see results.ts). */
  async waitForResult<T>(name: string, opts: WaitJsonOptions<T> = {}): Promise<T> {
    return waitForJson<T>(await this.resultPath(name), opts);
  }

  /** exthostN folder of this window's extension host in the server's logs. */
  async extensionHostLogDir(timeoutMs = 30_000): Promise<string> {
    const pid = await this.extensionHostPid();
    return waitFor(`the log folder of extension host ${pid}`, () => {
      const logs = this.server.logsDir();
      if (!logs) return undefined;
      for (const d of readdirSync(logs).filter((d) => d.startsWith('exthost'))) {
        const f = path.join(logs, d, 'remoteexthost.log');
        if (existsSync(f) && readFileSync(f, 'utf8').includes(`Extension host with pid ${pid} started`)) return path.join(logs, d);
      }
      return undefined;
    }, timeoutMs);
  }

  /** The extension host's own log (activations, errors, extension host lifetime). */
  async extensionHostLog(): Promise<string> {
    return readFileSync(path.join(await this.extensionHostLogDir(), 'remoteexthost.log'), 'utf8');
  }

  /** Text of an output channel of this window's extension host, read from its file:
   *  LogOutputChannel (createOutputChannel(name, { log: true })): exthostN/<extension id>/<name>.log;
   *  plain OutputChannel: exthostN/output_logging_<time>/<n>-<name>.log. '' if none yet. */
  async outputChannelLog(extensionId: string, channelName: string): Promise<string> {
    const dir = await this.extensionHostLogDir();
    const candidates = [path.join(dir, extensionId, `${channelName}.log`)];
    for (const d of readdirSync(dir).filter((d) => d.startsWith('output_logging_'))) {
      for (const f of readdirSync(path.join(dir, d))) if (f.replace(/^\d+-/, '') === `${channelName}.log`) candidates.push(path.join(dir, d, f));
    }
    return candidates.filter((f) => existsSync(f)).map((f) => readFileSync(f, 'utf8')).join('');
  }

  /** Wait until `extensionId` is activated in this window's extension host (per its log). */
  async waitForExtensionActivated(extensionId: string, timeoutMs = 60_000): Promise<void> {
    const dir = await this.extensionHostLogDir(timeoutMs);
    const log = path.join(dir, 'remoteexthost.log');
    await waitFor(`activation of ${extensionId} in extension host ${this.pid}`, () => {
      const text = readFileSync(log, 'utf8');
      const failed = new RegExp(`Activating extension '?${escapeRe(extensionId)}'? failed.*`, 'i').exec(text);
      if (failed) throw new Error(failed[0]);
      return text.includes(`_doActivateExtension ${extensionId},`);
    }, timeoutMs);
  }

  /** F1, type the command's title ("Category: Title" as the palette shows it), Enter. */
  async runCommand(title: string, timeoutMs = 15_000): Promise<void> {
    await this.page.bringToFront();
    await this.closeQuickInput();
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: timeoutMs });
    await input.fill(`>${title}`);
    const rows = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    const match = rows.filter({ has: this.page.locator('.label-name', { hasText: exactText(title) }) }).first();
    await match.waitFor({ state: 'visible', timeout: timeoutMs }).catch(async () => {
      const seen = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
      throw new Error(`command "${title}" is not in the palette; it shows: ${JSON.stringify(seen)}`);
    });
    if ((await match.getAttribute('class'))?.includes('focused')) await this.page.keyboard.press('Enter');
    else await match.click();
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: timeoutMs });
  }

  private async closeQuickInput(): Promise<void> {
    if (await this.page.locator('.quick-input-widget').isVisible()) await this.page.keyboard.press('Escape');
  }

  /** Status bar items now visible: DOM id (`<extension id>.<item id>` for extensions) and text. */
  async statusBarItems(): Promise<{ id: string; text: string }[]> {
    return this.page.locator('.part.statusbar .statusbar-item').evaluateAll((els) =>
      els.map((e) => ({ id: e.id, text: (e.textContent ?? '').trim() })),
    );
  }

  /** Text of a status bar item by DOM id (`<extension id>.<item id>`), or of the first one whose text matches. */
  async statusBarText(idOrText: string | RegExp): Promise<string | undefined> {
    const items = await this.statusBarItems();
    const hit = typeof idOrText === 'string' ? items.find((i) => i.id === idOrText) : items.find((i) => idOrText.test(i.text));
    return hit?.text;
  }

  /** Wait until the item (by id) shows text matching `expected`; returns the text. */
  async waitForStatusBarText(id: string, expected: RegExp | string, timeoutMs = 30_000): Promise<string> {
    return waitFor(`status bar item ${id} to show ${String(expected)}`, async () => {
      const t = await this.statusBarText(id);
      if (t === undefined) return undefined;
      return (typeof expected === 'string' ? t.includes(expected) : expected.test(t)) ? t : undefined;
    }, timeoutMs, 200);
  }

  private accountsButton(): Locator {
    return this.page.locator('.part.activitybar li.action-item[aria-label^="Accounts"]').first();
  }

  /** Open the Accounts menu (activity bar), read its entries, leave it open. */
  async openAccountsMenu(): Promise<AccountsMenuEntry[]> {
    await this.page.bringToFront();
    await this.closeMenus();
    await this.accountsButton().click();
    await this.page.locator('.monaco-menu .actions-container').first().waitFor({ state: 'visible', timeout: 10_000 });
    return this.menuEntries();
  }

  /** Read the Accounts menu and close it again. */
  async accountsMenu(): Promise<AccountsMenuEntry[]> {
    const entries = await this.openAccountsMenu();
    await this.closeMenus();
    return entries;
  }

  /** Entries of the innermost open menu (separators left out). */
  async menuEntries(): Promise<AccountsMenuEntry[]> {
    const menus = this.page.locator('.monaco-menu .actions-container');
    const menu = menus.nth((await menus.count()) - 1);
    return menu.locator(':scope > li.action-item').evaluateAll((els) =>
      els
        .filter((e) => !e.querySelector('.separator'))
        .map((e) => ({
          label: (e.querySelector('.action-label')?.textContent ?? '').trim(),
          enabled: !e.classList.contains('disabled'),
          submenu: !!e.querySelector('.submenu-indicator'),
        })),
    );
  }

  /** In the open Accounts menu: hover an account entry and read its submenu. */
  async openAccountSubmenu(label: string | RegExp): Promise<AccountsMenuEntry[]> {
    const item = this.page.locator('.monaco-menu li.action-item', { has: this.page.locator('.action-label', { hasText: label }) }).first();
    await item.hover();
    await waitFor('the account submenu', async () => (await this.page.locator('.monaco-menu .actions-container').count()) > 1, 10_000);
    return this.menuEntries();
  }

  /** Click an entry of the open menu (or of its open submenu). */
  async clickMenuEntry(label: string | RegExp): Promise<void> {
    const menus = this.page.locator('.monaco-menu .actions-container');
    const menu = menus.nth((await menus.count()) - 1);
    await menu.locator('li.action-item .action-label', { hasText: label }).first().click();
  }

  async closeMenus(): Promise<void> {
    for (let i = 0; i < 3 && (await this.page.locator('.monaco-menu').count()) > 0; i++) await this.page.keyboard.press('Escape');
  }

  /** Notifications shown as toasts, and in the notification center if it is open: message and buttons. */
  async notifications(): Promise<{ message: string; buttons: string[] }[]> {
    return this.page.locator(NOTIFICATION_ITEMS).evaluateAll((els) =>
      els.map((e) => ({
        message: (e.querySelector('.notification-list-item-message')?.textContent ?? '').trim(),
        buttons: [...e.querySelectorAll('.notification-list-item-buttons-container .monaco-button')].map((b) => (b.textContent ?? '').trim()),
      })),
    );
  }

  /** Wait for a notification whose message contains `message`, click its button `button`.
   *  With the smoke-test driver on, VS Code shows no toasts, so the notification center is opened. */
  async clickNotificationButton(message: string | RegExp, button: string, timeoutMs = 30_000): Promise<void> {
    await this.page.bringToFront();
    if (this.server.smokeTestDriver && !(await this.page.locator('.notifications-center.visible').isVisible())) {
      await this.runCommand('Notifications: Show Notifications');
    }
    const item = this.page.locator(NOTIFICATION_ITEMS, { hasText: message }).first();
    await item.waitFor({ state: 'visible', timeout: timeoutMs });
    await item.locator('.notification-list-item-buttons-container .monaco-button', { hasText: exactText(button) }).first().click();
  }

  /** Wait for a modal dialog (e.g. "The extension X wants to sign in using Y") and click a button. Returns the dialog text. */
  async clickDialogButton(button: string, timeoutMs = 30_000): Promise<string> {
    const dialog = this.page.locator('.monaco-dialog-box').first();
    await dialog.waitFor({ state: 'visible', timeout: timeoutMs });
    // Title and detail (some dialogs have only a detail, e.g. the sign-in consent).
    const text = ((await dialog.locator('.dialog-message-container').first().textContent()) ?? '').trim();
    await dialog.locator('.dialog-buttons .monaco-button', { hasText: exactText(button) }).first().click();
    await dialog.waitFor({ state: 'hidden', timeout: timeoutMs });
    return text;
  }

  /** Create an integrated terminal (palette) and wait until its shell shows a prompt. */
  async openTerminal(timeoutMs = 30_000): Promise<void> {
    const before = await this.page.locator('.terminal-wrapper').count();
    await this.runCommand('Terminal: Create New Terminal');
    await waitFor('a new terminal', async () => (await this.page.locator('.terminal-wrapper').count()) > before, timeoutMs);
    await waitFor('the shell prompt', async () => (await this.terminalText()).trim().length > 0, timeoutMs, 200);
  }

  /** Type a command line into the active terminal (as keystrokes) and press Enter. */
  async typeInTerminal(commandLine: string): Promise<void> {
    await this.page.locator('.terminal-wrapper.active .xterm').first().click();
    await this.page.keyboard.type(commandLine);
    await this.page.keyboard.press('Enter');
  }

  /** The active terminal's buffer as text (every line, trailing blanks trimmed), read from xterm.js. */
  async terminalText(): Promise<string> {
    return this.page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document;
      type Xterm = { buffer: { active: { length: number; getLine(i: number): { translateToString(trim: boolean): string } | undefined } } };
      const el = (doc.querySelector('.terminal-wrapper.active') ?? doc.querySelector('.terminal-wrapper')) as { xterm?: Xterm } | null;
      const buf = el?.xterm?.buffer.active;
      if (!buf) return '';
      const lines: string[] = [];
      for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
      return lines.join('\n').replace(/\n+$/, '');
    });
  }

  /** Wait until the active terminal shows text matching `expected`; returns the whole buffer. */
  async waitForTerminalText(expected: RegExp | string, timeoutMs = 30_000): Promise<string> {
    return waitFor(`terminal text ${String(expected)}`, async () => {
      const t = await this.terminalText();
      return (typeof expected === 'string' ? t.includes(expected) : expected.test(t)) ? t : undefined;
    }, timeoutMs, 200);
  }

  /** Screenshot to test-results/e2e/<name>.png (returns the path). */
  async screenshot(name: string): Promise<string> {
    mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `${name.replace(/[^\w.-]+/g, '_')}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Reload the window: the workbench starts a new extension host (new pid). */
  async reload(timeoutMs = 90_000): Promise<void> {
    this.pid = undefined;
    await this.page.reload();
    await this.waitForWorkbench(timeoutMs);
  }

  async close(): Promise<void> {
    await this.page.close({ runBeforeUnload: false });
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function exactText(s: string): RegExp {
  return new RegExp(`^\\s*${escapeRe(s)}\\s*$`);
}
