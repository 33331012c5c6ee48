/**
 * The redaction tests' scanner (issue 16, finding 4), written apart from the product's
 * decoder (src/core/redact-text.ts) so that one cannot hide the other's gap: every output
 * and file is read in each way a person or a program could read it, and any run of
 * {@link RUN} consecutive characters of any secret in any of those readings is a leak.
 */
export const RUN = 12;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", plus: '+', equals: '=', sol: '/', bsol: '\\', percnt: '%' };

/** One round of the decodings a reader applies: HTML character references, JSON/JS escapes, percent-encoding. */
function decodeRound(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&([a-z]+);/gi, (whole, name: string) => ENTITIES[name] ?? whole)
    .replace(/\\u([0-9a-f]{4})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/\\x([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/\\([/"\\])/g, '$1')
    .replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
      try { return decodeURIComponent(run); } catch { return Buffer.from(run.replace(/%/g, ''), 'hex').toString('latin1'); }
    });
}

/** The readings of `text`: as it is, without blanks and NULs, and decoded one to three times. */
function readings(text: string): string[] {
  const views = [text, text.replace(/[\s\u0000]/g, '')];
  let decoded = text;
  for (let round = 0; round < 3; round++) {
    decoded = decodeRound(decoded);
    views.push(decoded, decoded.replace(/[\s\u0000]/g, ''));
  }
  return views;
}

/** What runs of base64 or hex in `view` decode to, at every alignment, as bytes, UTF-8 and UTF-16. */
function decodedRuns(view: string): string[] {
  const out: string[] = [];
  for (const [run] of view.matchAll(/[A-Za-z0-9+/_=-]{16,}/g)) {
    const buffers: Buffer[] = [];
    for (let offset = 0; offset < 4; offset++) buffers.push(Buffer.from(run.slice(offset), 'base64'));
    if (/^[0-9a-f]+$/i.test(run)) for (const offset of [0, 1]) buffers.push(Buffer.from(run.slice(offset), 'hex'));
    for (const buffer of buffers) {
      out.push(buffer.toString('latin1'), buffer.toString('utf16le'), buffer.subarray(1).toString('utf16le'));
    }
  }
  return out.flatMap(readings);
}

/** Where any {@link RUN}-character run of any secret turns up in `outputs` (by name), read every way above. */
export function secretRuns(outputs: Record<string, string>, secrets: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [where, text] of Object.entries(outputs)) {
    const views = readings(text);
    views.push(...views.flatMap(decodedRuns));
    for (const [name, secret] of Object.entries(secrets)) {
      for (let i = 0; i + RUN <= secret.length; i++) {
        const run = secret.slice(i, i + RUN);
        if (views.some((view) => view.includes(run))) { found.push(`${where}: ${name} (characters ${i}-${i + RUN - 1})`); break; }
      }
    }
  }
  return found;
}
