/**
 * The text of an issuer's message as a reader (or a decoder) would take it, with each
 * character tied to where it came from, so that a secret found in the decoded text can be
 * cut out of the original. Used by redact.ts only.
 *
 * One pass decodes, left to right: HTML character references (`&#x2b;`, `&#43;`, the
 * common named ones), JSON and JavaScript escapes (`\u002b`, `\x2b`, `\/`, `\"`, `\\`),
 * percent-encoding (`%2B`, `%2b`, UTF-8 sequences), and drops whitespace and other control
 * characters (a secret wrapped across lines; UTF-16 read as bytes, which puts a NUL beside
 * every ASCII character). Passes repeat until nothing changes, so `%252B` and `&#x25;2B`
 * come out as `+` too.
 */
export interface DecodedText {
  text: string;
  /** For each character of `text`, the span [start, end) of the original it came from. */
  start: number[];
  end: number[];
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", plus: '+', equals: '=', sol: '/', bsol: '\\', percnt: '%',
  num: '#', colon: ':', semi: ';', excl: '!', quest: '?', period: '.', comma: ',', lowbar: '_', hyphen: '-', dash: '-',
  tilde: '~', grave: '`', lpar: '(', rpar: ')', lsqb: '[', rsqb: ']', lcub: '{', rcub: '}', vert: '|', ast: '*',
  commat: '@', dollar: '$', Hat: '^', NewLine: '\n', Tab: '\t', nbsp: ' ',
};

const SIMPLE_ESCAPES: Record<string, string> = { '/': '/', '"': '"', "'": "'", '\\': '\\', n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' };

/** Whitespace, C0 controls, DEL and the zero-width characters: never part of a token, dropped. */
const DROPPED_ALL = /[\s\u0000-\u001f\u007f\u200b-\u200d\ufeff]/g;

const MAX_PASSES = 4;

/** A character that is kept as it is (the common case, decided without a replace). */
const PLAIN = /^[^\s\u0000-\u001f\u007f\u200b-\u200d\ufeff]$/;

/** `text` decoded until stable (at most a few passes), with the origin of every character. */
export function decodeText(text: string): DecodedText {
  if (!NEEDS_DECODING.test(text)) return identity(text);
  let current = identity(text);
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const next = decodeOnce(current.text);
    if (next.text === current.text) break;
    const before = current;
    current = { text: next.text, start: next.start.map((s) => before.start[s]!), end: next.end.map((e) => before.end[e - 1]!) };
  }
  return current;
}

/** Characters that start an escape or are dropped: text without any is its own decoding. */
const NEEDS_DECODING = /[&\\%\s\u0000-\u001f\u007f\u200b-\u200d\ufeff]/;

function identity(text: string): DecodedText {
  return { text, start: Array.from({ length: text.length }, (_, i) => i), end: Array.from({ length: text.length }, (_, i) => i + 1) };
}

/** {@link decodeText} without the origins, for candidates that are only searched. */
export function decodedString(text: string): string {
  let current = text;
  for (let pass = 0; pass < MAX_PASSES && NEEDS_DECODING.test(current); pass++) {
    const next = decodeOnce(current).text;
    if (next === current) break;
    current = next;
  }
  return current;
}

/** One left-to-right pass of the decodings above. */
export function decodeOnce(text: string): DecodedText {
  let out = '';
  const start: number[] = [];
  const end: number[] = [];
  /** Appends decoded characters (less any dropped ones), all of them from [from, to). */
  const emit = (chars: string, from: number, to: number): void => {
    const kept = chars.replace(DROPPED_ALL, '');
    for (let k = 0; k < kept.length; k++) { start.push(from); end.push(to); }
    out += kept;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '&') {
      const m = /^&(?:#[xX]([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([A-Za-z]{2,8}));/.exec(text.slice(i, i + 12));
      const decoded = m && (m[1] ? fromCodePoint(parseInt(m[1], 16)) : m[2] ? fromCodePoint(parseInt(m[2], 10)) : NAMED_ENTITIES[m[3]!]);
      if (m && decoded) { emit(decoded, i, i + m[0].length); i += m[0].length; continue; }
    } else if (c === '\\') {
      const u = /^\\u([0-9a-fA-F]{4})|^\\x([0-9a-fA-F]{2})/.exec(text.slice(i, i + 6));
      if (u) { emit(String.fromCharCode(parseInt(u[1] ?? u[2]!, 16)), i, i + u[0].length); i += u[0].length; continue; }
      const simple = SIMPLE_ESCAPES[text[i + 1] ?? ''];
      if (simple !== undefined) { emit(simple, i, i + 2); i += 2; continue; }
    } else if (c === '%') {
      const run = /^(?:%[0-9a-fA-F]{2})+/.exec(text.slice(i, i + 3 * 64));
      if (run) {
        const decoded = percentDecode(run[0]);
        // Each decoded character takes the escapes that made it.
        for (const piece of decoded) { emit(piece.char, i + piece.from, i + piece.to); }
        i += run[0].length;
        continue;
      }
    }
    if (PLAIN.test(c)) { out += c; start.push(i); end.push(i + 1); } else emit(c, i, i + 1);
    i++;
  }
  return { text: out, start, end };
}

function fromCodePoint(code: number): string | undefined {
  return code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}

/** `%41%42` -> characters, each with the offsets of its escapes; bytes that are not UTF-8 become Latin-1 characters. */
function percentDecode(run: string): { char: string; from: number; to: number }[] {
  const bytes = Buffer.from(run.replace(/%/g, ''), 'hex');
  const pieces: { char: string; from: number; to: number }[] = [];
  let b = 0;
  while (b < bytes.length) {
    const lead = bytes[b]!;
    const size = lead < 0x80 ? 1 : lead >= 0xc2 && lead < 0xe0 ? 2 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xf0 && lead < 0xf5 ? 4 : 0;
    const chunk = size > 0 && b + size <= bytes.length ? bytes.subarray(b, b + size) : undefined;
    const char = chunk?.toString('utf8');
    if (chunk && char && !char.includes('\ufffd')) {
      pieces.push({ char, from: b * 3, to: (b + size) * 3 });
      b += size;
    } else {
      pieces.push({ char: String.fromCharCode(lead), from: b * 3, to: b * 3 + 3 });
      b += 1;
    }
  }
  return pieces;
}

/**
 * The strings a run of base64 or hex characters may stand for: decoded at every alignment
 * (the run may begin mid-group, after a "Basic" glued on by dropped whitespace), each
 * read as UTF-8/Latin-1 and as UTF-16 in both byte orders, and then decoded as above
 * (a Basic header holds `client_id:client_secret` percent-encoded, RFC 6749 section 2.3.1).
 */
export function decodedRun(run: string): string[] {
  const buffers: Buffer[] = [];
  for (let offset = 0; offset < 4 && offset < run.length; offset++) {
    const part = run.slice(offset).replace(/=+$/, '');
    buffers.push(Buffer.from(part.slice(0, part.length - (part.length % 4 === 1 ? 1 : 0)), 'base64'));
  }
  if (/^[0-9a-fA-F]+$/.test(run)) for (const offset of [0, 1]) buffers.push(Buffer.from(run.slice(offset, run.length - ((run.length - offset) % 2)), 'hex'));
  const strings: string[] = [];
  for (const buffer of buffers) {
    strings.push(buffer.toString('latin1'), buffer.toString('utf8'));
    for (const offset of [0, 1]) {
      const aligned = buffer.subarray(offset, buffer.length - ((buffer.length - offset) % 2));
      strings.push(aligned.toString('utf16le'), Buffer.from(aligned).swap16().toString('utf16le'));
    }
  }
  return strings.map(decodedString);
}
