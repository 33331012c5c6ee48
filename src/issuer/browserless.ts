// Drive the provider's sign-in pages with plain HTTP requests, as a user with a
// browser would: used by tests and by the admin endpoints so that login flows can
// be completed without a browser. Only understands the embedded issuer's pages
// (devInteractions login/consent and pages.ts).

const MAX_STEPS = 20;

/** Remembers cookies by name. Paths are ignored: flows here run one step at a time. */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1] ?? '') < Date.now());
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

class Browser {
  readonly jar = new CookieJar();

  async get(url: string): Promise<Response> {
    return this.send(url, { method: 'GET' });
  }

  async post(url: string, fields: Record<string, string>): Promise<Response> {
    return this.send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.jar.header();
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.jar.store(response);
    return response;
  }
}

function formField(html: string, name: string): string | undefined {
  const match = new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html);
  return match?.[1];
}

function pageMarker(html: string): string | undefined {
  return /data-page="([^"]+)"/.exec(html)?.[1];
}

/**
 * Follow redirects and answer the login and consent pages until the flow leaves
 * the issuer (returns that URL, e.g. the client's redirect_uri with ?code=) or
 * lands on a page it does not handle (returns the response).
 */
async function walk(browser: Browser, issuerOrigin: string, response: Response, url: string, accountId: string) {
  for (let step = 0; step < MAX_STEPS; step++) {
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, url);
      if (next.origin !== issuerOrigin) return { left: next };
      url = next.href;
      response = await browser.get(url);
      continue;
    }
    const html = await response.text();
    const prompt = formField(html, 'prompt');
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (response.status !== 200 || !action || (prompt !== 'login' && prompt !== 'consent')) {
      return { page: { status: response.status, marker: pageMarker(html), html } };
    }
    url = new URL(action, url).href;
    // devInteractions' login form: prompt=login, login=<any account>, password=<anything>;
    // its consent form: prompt=consent (grants whatever is missing).
    const fields: Record<string, string> = prompt === 'login' ? { prompt, login: accountId, password: 'x' } : { prompt };
    response = await browser.post(url, fields);
  }
  throw new Error('sign-in did not finish within 20 steps');
}

/**
 * Complete an authorization-code sign-in: open `authorizationUrl`, log in as
 * `accountId`, consent, and return the URL the issuer redirects to (the client's
 * redirect_uri with `code`, `state` and `iss`). The caller delivers it to the
 * client's loopback listener, e.g. with `fetch(url)`.
 */
export async function authorizeInBrowser(authorizationUrl: string, accountId = 'alice'): Promise<URL> {
  const browser = new Browser();
  const origin = new URL(authorizationUrl).origin;
  const result = await walk(browser, origin, await browser.get(authorizationUrl), authorizationUrl, accountId);
  if (result.left) return result.left;
  throw new Error(`authorization stopped on a ${result.page.status} page (${result.page.marker ?? 'unknown'})`);
}

/**
 * Approve a device code: open the verification page, enter `userCode`, confirm,
 * log in as `accountId` and consent. Resolves once the issuer shows its success
 * page; after that the device's next poll of the token endpoint gets tokens.
 */
export async function approveDeviceCode(issuerUrl: string, userCode: string, accountId = 'alice'): Promise<void> {
  const browser = new Browser();
  const verificationUri = new URL('/device', issuerUrl).href;
  // GET first: it opens the session and puts the xsrf secret into the form.
  const form = await (await browser.get(verificationUri)).text();
  const xsrf = formField(form, 'xsrf');
  if (!xsrf) throw new Error('device verification page has no xsrf field');
  const confirmed = await browser.post(verificationUri, { xsrf, user_code: userCode, confirm: 'yes' });
  const result = await walk(browser, new URL(issuerUrl).origin, confirmed, verificationUri, accountId);
  if (result.page?.marker === 'device-success') return;
  throw new Error(`device approval stopped on a ${result.page?.status} page (${result.page?.marker ?? 'unknown'})`);
}
