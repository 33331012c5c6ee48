// Plain HTML pages for the provider's device-flow, logout and error screens.
// They replace the provider's defaults, which print a "you SHOULD change it" notice
// to stdout the first time each is used. Each page carries a data-page marker so
// that browserless.ts (and tests) can tell where a flow ended without scraping text.

/** The part of the provider's Koa context these renderers touch. */
interface PageContext {
  body?: unknown;
  type?: string;
}

function escape(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(ctx: PageContext, marker: string, title: string, content: string): void {
  ctx.type = 'html';
  ctx.body = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${escape(title)}</title></head>
<body data-page="${marker}"><h1>${escape(title)}</h1>
${content}
</body></html>`;
}

/** The "enter the code shown on your device" page; `form` has the xsrf and user_code fields. */
export async function userCodeInput(ctx: PageContext, form: string, _out: unknown, err?: unknown): Promise<void> {
  const marker = err ? 'device-code-error' : 'device-code-input';
  const message = err ? `<p class="error">${escape(errorText(err))}</p>` : '<p>Enter the code displayed on your device</p>';
  page(ctx, marker, 'Sign-in', `${message}\n${form}\n<button type="submit" form="op.deviceInputForm">Continue</button>`);
}

/** The confirmation page; `form` posts xsrf, user_code and confirm=yes. */
export async function userCodeConfirm(
  ctx: PageContext,
  form: string,
  _client: unknown,
  _deviceInfo: unknown,
  userCode: string,
): Promise<void> {
  page(
    ctx,
    'device-code-confirm',
    'Confirm device',
    `<p>The code shown on your device should be <code>${escape(userCode)}</code></p>
${form}
<button autofocus type="submit" form="op.deviceConfirmForm">Continue</button>
<button type="submit" form="op.deviceConfirmForm" value="yes" name="abort">Abort</button>`,
  );
}

/** Shown once a device code is approved. */
export async function deviceSuccess(ctx: PageContext): Promise<void> {
  page(ctx, 'device-success', 'Sign-in success', '<p>You can now close this page and return to your device.</p>');
}

/** RP-initiated logout confirmation; `form` is the provider's hidden logout form. */
export async function logout(ctx: PageContext, form: string): Promise<void> {
  page(
    ctx,
    'logout',
    'Sign out?',
    `${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`,
  );
}

/** After RP-initiated logout without a post_logout_redirect_uri. */
export async function postLogoutSuccess(ctx: PageContext): Promise<void> {
  page(ctx, 'logout-success', 'Signed out', '<p>You are signed out.</p>');
}

/** Errors of browser-facing endpoints (bad interaction, unknown client, ...). */
export async function renderError(ctx: PageContext, out: Record<string, unknown>): Promise<void> {
  const details = Object.entries(out)
    .map(([key, value]) => `<pre><strong>${escape(key)}</strong>: ${escape(value)}</pre>`)
    .join('\n');
  page(ctx, 'error', 'Something went wrong', details);
}

function errorText(err: unknown): string {
  const name = (err as { name?: string }).name;
  if (name === 'AbortedError') return 'The sign-in request was interrupted';
  if ((err as { userCode?: string }).userCode || name === 'NoCodeError') return 'The code you entered is incorrect. Try again';
  return 'There was an error processing your request';
}
