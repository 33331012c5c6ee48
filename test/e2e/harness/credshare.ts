// What the credshare scenarios need beyond the generic harness: the real extension's ids,
// the embedded issuer and its admin endpoints (the issuer's own counts), sign-in through the
// device-code notification, the store on disk, and scans for leaked tokens.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { EmbeddedIssuer } from '../../../src/issuer/embedded-issuer';
import type { IssuerStats } from '../../../src/issuer/token-gate';
import type { Session } from '../../../src/core/session';
import { repoRoot } from './paths';
import { waitFor } from './results';
import type { VsCodeWindow } from './window';

export const CREDSHARE = 'credshare.credshare';
/** The status bar item's DOM id: `<extension id>.<item id>`. */
export const CREDSHARE_STATUS = `${CREDSHARE}.credshare.status`;
export const CREDSHARE_LOG_CHANNEL = 'credshare';

/**
 * The .vsix `npm run test:e2e` built (npm run package); says so when the bundle is newer (a
 * rebuild since). `CREDSHARE_E2E_VSIX=/path/to/other.vsix` tests another build instead (a
 * before/after comparison against an older commit's package).
 */
export function credshareVsix(): string {
  const other = process.env.CREDSHARE_E2E_VSIX;
  if (other) {
    console.log(`note: testing ${other} (CREDSHARE_E2E_VSIX), not this checkout's credshare.vsix`);
    return other;
  }
  const vsix = path.join(repoRoot, 'credshare.vsix');
  const bundle = path.join(repoRoot, 'dist', 'extension.js');
  if (!existsSync(vsix)) throw new Error(`${vsix} is missing: run \`npm run package\` (npm run test:e2e does).`);
  if (existsSync(bundle) && statSync(vsix).mtimeMs < statSync(bundle).mtimeMs) console.log(`note: ${vsix} is older than dist/extension.js; testing the .vsix as packaged`);
  return vsix;
}

/** The issuer's admin endpoints, as any other process would use them (over HTTP). */
export class IssuerAdmin {
  constructor(readonly issuerUrl: string) {}

  private async call<T>(method: 'GET' | 'POST', route: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const response = await fetch(`${this.issuerUrl}/__admin${route}`, {
      method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`issuer admin ${route}: HTTP ${response.status} ${await response.text()}`);
    return response.json() as Promise<T>;
  }

  stats(): Promise<IssuerStats> {
    return this.call('GET', '/stats');
  }

  async resetStats(): Promise<void> {
    await this.call('POST', '/reset-stats', {});
  }

  /** A fault on the issuer's token endpoint for refresh requests (null clears it). */
  async fault(fault: { kind: 'status'; status: number } | { kind: 'hang' } | null): Promise<void> {
    await this.call('POST', '/fault', { fault });
  }

  async approveDevice(userCode: string, accountId: string): Promise<void> {
    await this.call('POST', '/approve-device', { userCode, accountId });
  }

  async accessTokenValid(token: string): Promise<boolean> {
    return (await this.call<{ valid: boolean }>('GET', '/access-token-valid', undefined, { authorization: `Bearer ${token}` })).valid;
  }

  async refreshTokenUsable(refreshToken: string): Promise<boolean> {
    return (await this.call<{ usable: boolean }>('POST', '/refresh-token-usable', { refreshToken })).usable;
  }
}

/** A real oidc-provider on loopback whose access tokens live an hour (so only forced expiry refreshes). */
export async function startIssuer(): Promise<{ issuer: EmbeddedIssuer; admin: IssuerAdmin }> {
  const issuer = await EmbeddedIssuer.start({ accessTokenTtlSeconds: 3600, deviceCodeIntervalSeconds: 1 });
  return { issuer, admin: new IssuerAdmin(issuer.url) };
}

/** The session of `profile` in the credshare home's credentials.json, if any. */
export function storedSession(home: string, profile = 'default'): Session | undefined {
  const file = path.join(home, 'credentials.json');
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { sessions: Record<string, Session> }).sessions[profile];
}

/**
 * "credshare: Sign In" from the palette, then "Copy & Open" on the device-code modal, and
 * approve the code at the issuer through its admin endpoint (as a person at the issuer's
 * page would).
 */
export async function signInFromPalette(w: VsCodeWindow, admin: IssuerAdmin, accountId: string): Promise<string> {
  await w.runCommand('credshare: Sign In');
  const { userCode } = await answerDeviceCodeModal(w, 'Copy & Open');
  await admin.approveDevice(userCode, accountId);
  return userCode;
}

/** The modal dialog on screen: its text (message and detail) and buttons; undefined if none. */
export async function modalDialog(w: VsCodeWindow): Promise<{ text: string; buttons: string[] } | undefined> {
  const dialog = w.page.locator('.monaco-dialog-box').first();
  if (!(await dialog.isVisible())) return undefined;
  // innerText: the message and the detail on lines of their own.
  const text = (await dialog.locator('.dialog-message-container').first().innerText()).trim();
  const buttons = await dialog.locator('.dialog-buttons .monaco-button').evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()));
  return { text, buttons };
}

/** Clicks a button of the modal dialog on screen (without waiting for it to go: another may follow at once). */
export async function clickModalButton(w: VsCodeWindow, button: string): Promise<void> {
  const dialog = w.page.locator('.monaco-dialog-box').first();
  await dialog.locator('.dialog-buttons .monaco-button', { hasText: new RegExp(`^\\s*${button.replace(/[.*+?^${}()|[\]\\&]/g, '\\$&')}\\s*$`) }).first().click();
}

/**
 * Waits for credshare's device-code modal ("Your code: …"), allowing on the way any
 * consent dialogs ("The extension … wants to sign in using credshare"), and answers it
 * with `button`. Returns the code, the modal's text and how many consents were given.
 */
export async function answerDeviceCodeModal(w: VsCodeWindow, button: 'Copy & Open' | 'Cancel', opts: { beforeAnswer?: () => Promise<void>; timeoutMs?: number } = {}):
  Promise<{ userCode: string; text: string; consents: number }> {
  let consents = 0;
  let lastConsent = '';
  const found = await waitFor('the device-code modal', async () => {
    const dialog = await modalDialog(w);
    if (!dialog) return undefined;
    const code = /Your code: (\S+)/.exec(dialog.text)?.[1];
    if (code) return { userCode: code, text: dialog.text };
    if (/wants to sign in using credshare/.test(dialog.text) && dialog.text !== lastConsent) {
      await clickModalButton(w, 'Allow');
      consents++;
      lastConsent = dialog.text;
      await w.page.waitForTimeout(300);
      lastConsent = '';
    }
    return undefined;
  }, opts.timeoutMs ?? 30_000, 200);
  await opts.beforeAnswer?.();
  await clickModalButton(w, button);
  return { ...found, consents };
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

/** Every token of these sessions (access, refresh, id), for leak scans. */
export function tokensOf(...sessions: (Session | undefined)[]): string[] {
  return sessions.flatMap((s) => (s ? [s.accessToken, s.refreshToken, s.idToken ?? ''] : [])).filter((t) => t.length >= 16);
}

/** Names of the texts that contain any of the tokens. */
export function leaksIn(texts: Record<string, string>, tokens: string[]): string[] {
  return Object.entries(texts).filter(([, text]) => tokens.some((t) => text.includes(t))).map(([where]) => where);
}

/** Files under `dir` whose bytes contain any of the tokens (binary files such as state.vscdb included). */
export function filesContaining(dir: string, tokens: string[]): string[] {
  const needles = tokens.map((t) => Buffer.from(t));
  const hits: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) {
        let bytes: Buffer;
        try {
          bytes = readFileSync(p);
        } catch {
          continue;
        }
        if (needles.some((n) => bytes.includes(n))) hits.push(p);
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return hits;
}

/**
 * The browser side of the web workbench's storage (localStorage and IndexedDB of every
 * origin): where VS Code persists environment variable collections and workspace state in
 * the web, and where code-server keeps (encrypted) SecretStorage. As one JSON text.
 */
export async function browserStorage(context: BrowserContext): Promise<string> {
  return JSON.stringify(await context.storageState({ indexedDB: true }));
}

/** Command lines of every process on the machine (`ps -eo args`). */
export function processCommandLines(): string {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8', maxBuffer: 16 << 20 });
}

/** "credshare: Switch Profile" from the palette, then pick `profile` in its quick pick. */
export async function switchProfileFromPalette(w: VsCodeWindow, profile: string): Promise<void> {
  const page = w.page;
  await page.bringToFront();
  await w.closeMenus();
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill('>credshare: Switch Profile');
  const row = (label: string) => page.locator('.quick-input-widget .quick-input-list .monaco-list-row', {
    has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) }),
  }).first();
  await row('credshare: Switch Profile').click();
  await row(profile).waitFor({ state: 'visible', timeout: 15_000 });
  await row(profile).click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 });
}

/**
 * VS Code's account quick pick: shown after the consent dialog when an extension asks with
 * `createIfNone` and accounts exist, because credshare supports several (one per signed-in
 * profile). Picks the account labelled `label`.
 */
export async function pickAccount(w: VsCodeWindow, label: string, timeoutMs = 30_000): Promise<void> {
  const page = w.page;
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: label }) }).first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  await row.click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: timeoutMs });
}
