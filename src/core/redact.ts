/**
 * Issuer text (an `error_description`, a page an endpoint answered with) may quote what
 * it was sent: a refresh token, an authorization code, a PKCE verifier. That text goes
 * to terminals, logs, refresh-state.json and `credshare doctor`, whose output is meant
 * for bug reports. Quoting is not always verbatim, so every form a server is likely to
 * echo is removed: raw, URL-encoded (both percent cases, `+` for spaces), JSON-escaped
 * (`\/` too) and base64 / base64url at every byte alignment (a token inside a longer
 * encoded string, such as `client:secret` or a JSON blob).
 */

/** What a removed secret is replaced with. */
export const REDACTED = '[redacted]';

/** Shorter strings are not redacted: they would match ordinary words. Tokens are far longer. */
const MIN_SECRET_LENGTH = 8;

/** `text` with every form of every secret in `secrets` replaced by {@link REDACTED}. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret && secret.length >= MIN_SECRET_LENGTH) for (const form of formsOf(secret)) forms.add(form);
  }
  // Longest first: a raw token is a substring of some of its encodings' surroundings.
  let result = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    if (result.includes(form)) result = result.split(form).join(REDACTED);
  }
  return result;
}

/** Redacts an error's message in place (keeping its class, code and cause) and returns it. */
export function redactError<T>(error: T, secrets: readonly (string | undefined)[]): T {
  if (error instanceof Error) error.message = redactSecrets(error.message, secrets);
  return error;
}

function formsOf(secret: string): string[] {
  const percent = encodeURIComponent(secret);
  const form = new URLSearchParams({ t: secret }).toString().slice(2);
  const json = JSON.stringify(secret).slice(1, -1);
  return [
    secret,
    percent, lowerPercent(percent),
    form, lowerPercent(form),
    json, json.replace(/\//g, '\\/'),
    ...base64Cores(secret),
  ];
}

function lowerPercent(text: string): string {
  return text.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
}

/**
 * The part of the base64 (and base64url) encoding of `secret` that is the same wherever
 * it sits in the encoded text: for each of the three byte offsets modulo 3, the
 * characters made only of the secret's own bits (the first and last one or two depend on
 * the neighbours and are left).
 */
function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const start = Math.ceil((offset * 8) / 6);
    const end = Math.floor(((offset + bytes.length) * 8) / 6);
    const core = encoded.slice(start, end);
    cores.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return cores;
}
