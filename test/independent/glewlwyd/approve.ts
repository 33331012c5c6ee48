import { chromium, type Browser, type Page } from 'playwright-core';
import { DEBIAN } from './install';

/** The same switches the project's VS Code end to end uses for Debian's chromium (no downloads, no sync). */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run'];

export interface Person { username: string; password: string }

/** One person's browser (one profile: glewlwyd's session cookie is kept between sign-ins). */
export interface UserBrowser {
  /** Approves a device code the way a person does: open the verification page, type the code, sign in, grant. */
  approveDeviceCode(verificationUri: string, userCode: string, person: Person): Promise<void>;
  /** Follows a browser sign-in's authorization URL through glewlwyd's pages until it redirects to `redirectUri`. */
  authorize(authorizationUrl: string, redirectUri: string, person: Person): Promise<void>;
  close(): Promise<void>;
}

export async function launchUserBrowser(): Promise<UserBrowser> {
  const browser: Browser = await chromium.launch({ executablePath: DEBIAN.chromium, args: CHROMIUM_ARGS, headless: true });
  const context = await browser.newContext();
  return {
    async approveDeviceCode(verificationUri, userCode, person) {
      const page = await context.newPage();
      try {
        await page.goto(verificationUri);
        await walkThroughPages(page, person, () => page.getByText('Authorization complete').isVisible(), userCode);
      } finally {
        await page.close();
      }
    },
    async authorize(authorizationUrl, redirectUri, person) {
      const page = await context.newPage();
      try {
        await page.goto(authorizationUrl);
        await walkThroughPages(page, person, async () => page.url().startsWith(redirectUri));
      } finally {
        await page.close();
      }
    },
    async close() {
      await context.close().catch(() => {});
      await browser.close().catch(() => {});
    },
  };
}

/**
 * glewlwyd's login app (a single page) shows, in turn: the code form (device flow only), the
 * password form (skipped when its session cookie is still good), the scope grant (skipped once
 * granted) and a "Continue" step, then "Authorization complete" or the redirect to the client.
 * Each pass acts on whichever of them is showing.
 */
async function walkThroughPages(page: Page, person: Person, isDone: () => Promise<boolean>, userCode?: string): Promise<void> {
  const codeInput = page.locator('input[placeholder="X1Y2-A3B4"]');
  const grantBox = page.locator('#grant-offline_access');
  const grantButton = page.getByRole('button', { name: 'Grant access' });
  const continueButton = page.getByRole('button', { name: 'Continue' });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (await isDone()) return;
    if (userCode && await codeInput.isVisible()) {
      await codeInput.fill(userCode);
      await page.getByRole('button', { name: 'OK' }).click();
    } else if (await page.locator('#username').isVisible()) {
      await page.fill('#username', person.username);
      await page.fill('#password', person.password);
      await page.click('#loginbut');
    } else if (await grantButton.isVisible()) {
      if (await grantBox.isVisible() && !(await grantBox.isChecked())) await grantBox.check();
      await grantButton.click();
    } else if (await continueButton.isVisible()) {
      await continueButton.click();
    }
    await page.waitForTimeout(500);
  }
  throw new Error(`glewlwyd's pages did not finish within 60 s; at ${page.url()} the page says: ${await page.locator('body').innerText()}`);
}
