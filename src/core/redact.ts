import { decodedRun, decodeText } from './redact-text';
import type { Session } from './session';

/**
 * Issuer text (an `error_description`, a page an endpoint answered with) may quote what
 * it was sent or what it minted: a refresh, access or ID token, the client secret (raw
 * from a `client_secret_post` body, base64 inside an echoed Basic header), an
 * authorization code, a PKCE verifier, a device code. That text goes to terminals, logs,
 * refresh-state.json and `credshare doctor`, whose output is meant for bug reports.
 *
 * The rule (docs/security.md, "Redaction"): every secret the process holds is removed
 * from such text in whatever form it is quoted. The text is decoded as a reader would
 * (redact-text.ts: HTML entities, percent-encoding once or twice, JSON `\uXXXX` escapes,
 * whitespace and NULs dropped), and every run of base64 or hex in it is decoded too (as
 * UTF-8 and UTF-16); wherever any 12 consecutive characters of a secret turn up, the
 * characters of the original text they came from are replaced, so a secret quoted in
 * part, wrapped across lines or split by escapes goes as well. Text without secrets
 * (error codes, URLs, hints) is left exactly as it was: dropping every long token-like run
 * instead would also eat URLs and identifiers, and still miss a secret wrapped into short
 * lines or broken up by entities.
 */

/** What a removed secret is replaced with. */
export const REDACTED = '[redacted]';

/** Shorter strings are not redacted: they would match ordinary words. Tokens are far longer. */
const MIN_SECRET_LENGTH = 8;

/** A quote of this many consecutive characters of a secret counts as the secret. */
export const SECRET_WINDOW = 12;

/** `text` with every form of every secret in `secrets` replaced by {@link REDACTED}. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  const held = [...new Set(secrets.filter((s): s is string => !!s && s.length >= MIN_SECRET_LENGTH))];
  if (held.length === 0 || text === '') return text;
  const matcher = new SecretMatcher(held);
  const spans: [number, number][] = [];
  // The plain encodings, on the text as it is (kept from the first version: exact and cheap).
  for (const form of held.flatMap(formsOf)) {
    for (let at = text.indexOf(form); at >= 0; at = text.indexOf(form, at + 1)) spans.push([at, at + form.length]);
  }
  const decoded = decodeText(text);
  const origin = (from: number, to: number): [number, number] => [decoded.start[from]!, decoded.end[to - 1]!];
  for (const [from, to] of matcher.find(decoded.text)) spans.push(origin(from, to));
  const quotes = (from: number, to: number): boolean => decodedRun(decoded.text.slice(from, to)).some((candidate) => matcher.find(candidate).length > 0);
  for (const run of encodedRuns(decoded.start, decoded.end, decoded.text)) {
    // A short last piece (fewer characters than a secret's window can hide in) is likely the next word: tried without it first.
    const ends = run.lastPiece > run.from && run.to - run.lastPiece < MIN_WRAPPED_LINE ? [run.lastPiece, run.to] : [run.to];
    const to = ends.find((end) => quotes(run.from, end));
    if (to !== undefined) spans.push(origin(run.from, to));
  }
  return cut(text, spans);
}

/** Characters of base64 (both alphabets, padding) and hex. */
const ENCODED_CHARACTERS = /[A-Za-z0-9+/_=-]+/g;

/** Wrapped base64 or hex has lines at least this long (MIME: 76, PEM: 64). */
const MIN_WRAPPED_LINE = 16;

/**
 * Runs of base64 or hex characters in the decoded text. A run that a dropped character (a
 * line break, a space) interrupts goes on after it only when the piece before was long,
 * as the lines of wrapped base64 are: a "Basic" or "before" next to an encoded secret is
 * not glued to it (and so not removed with it). `lastPiece`: where its last piece begins.
 */
function encodedRuns(start: number[], end: number[], text: string): { from: number; to: number; lastPiece: number }[] {
  const runs: { from: number; to: number; lastPiece: number }[] = [];
  for (const match of text.matchAll(ENCODED_CHARACTERS)) {
    const last = match.index + match[0].length;
    let from = match.index;
    let piece = match.index;
    for (let k = match.index + 1; k < last; k++) {
      if (start[k]! <= end[k - 1]!) continue; // no dropped character between: the same piece
      if (k - piece < MIN_WRAPPED_LINE) { runs.push({ from, to: k, lastPiece: piece }); from = k; }
      piece = k;
    }
    runs.push({ from, to: last, lastPiece: piece });
  }
  return runs.filter((run) => run.to - run.from >= 16);
}

/** Redacts an error's message in place (keeping its class, code and cause) and returns it. */
export function redactError<T>(error: T, secrets: readonly (string | undefined)[]): T {
  if (error instanceof Error) error.message = redactSecrets(error.message, secrets);
  return error;
}

/** Every secret a session holds: refresh, access and ID token, and the access tokens cached per scope set. */
export function sessionSecrets(session: Session | undefined): string[] {
  if (!session) return [];
  // The file may hold anything there (an older or newer credshare): only strings count.
  const tokens: unknown = session.tokens;
  const scoped = typeof tokens === 'object' && tokens !== null
    ? Object.values(tokens as Record<string, { accessToken?: unknown } | null>).map((t) => t?.accessToken).filter((t): t is string => typeof t === 'string')
    : [];
  return [session.refreshToken, session.accessToken, session.idToken ?? '', ...scoped].filter((s) => s !== '');
}

/** Finds quotes of secrets: any {@link SECRET_WINDOW} consecutive characters of one, or the whole of a shorter one. */
class SecretMatcher {
  /** The long secrets joined by a separator no window can hold: one native search per window of the text. */
  private readonly joined: string;
  private readonly short: string[];

  constructor(secrets: string[]) {
    this.joined = secrets.filter((s) => s.length >= SECRET_WINDOW).join('\u0000');
    this.short = secrets.filter((s) => s.length < SECRET_WINDOW);
  }

  /** Every window of the long secrets, built only for a long text (where one search per window would cost more). */
  private windows: Set<string> | undefined;

  /** Spans [from, to) of `text` that quote a secret. */
  find(text: string): [number, number][] {
    const spans: [number, number][] = [];
    if (this.joined !== '') {
      const indexed = text.length * this.joined.length > 4_000_000 ? (this.windows ??= windowsOf(this.joined)) : undefined;
      for (let i = 0; i + SECRET_WINDOW <= text.length; i++) {
        const window = text.slice(i, i + SECRET_WINDOW);
        if (window.includes('\u0000')) continue;
        if (indexed ? indexed.has(window) : this.joined.includes(window)) spans.push([i, i + SECRET_WINDOW]);
      }
    }
    for (const secret of this.short) {
      for (let at = text.indexOf(secret); at >= 0; at = text.indexOf(secret, at + 1)) spans.push([at, at + secret.length]);
    }
    return spans;
  }
}

function windowsOf(joined: string): Set<string> {
  const windows = new Set<string>();
  for (let i = 0; i + SECRET_WINDOW <= joined.length; i++) windows.add(joined.slice(i, i + SECRET_WINDOW));
  return windows;
}

/** `text` with the union of `spans` replaced, one marker per connected stretch. */
function cut(text: string, spans: [number, number][]): string {
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0]);
  let result = '';
  let at = 0;
  let current: [number, number] | undefined;
  for (const span of spans) {
    if (current && span[0] <= current[1]) { current[1] = Math.max(current[1], span[1]); continue; }
    if (current) { result += text.slice(at, current[0]) + REDACTED; at = current[1]; }
    current = [span[0], span[1]];
  }
  result += text.slice(at, current![0]) + REDACTED + text.slice(current![1]);
  return result;
}

/** Raw, URL-encoded (both percent cases, form style), JSON-escaped, and base64 at every byte alignment. */
function formsOf(secret: string): string[] {
  const percent = encodeURIComponent(secret);
  const form = new URLSearchParams({ t: secret }).toString().slice(2);
  const json = JSON.stringify(secret).slice(1, -1);
  return [...new Set([
    secret,
    percent, lowerPercent(percent),
    form, lowerPercent(form),
    json, json.replace(/\//g, '\\/'),
    ...base64Cores(secret),
  ])].filter((f) => f.length >= MIN_SECRET_LENGTH);
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
