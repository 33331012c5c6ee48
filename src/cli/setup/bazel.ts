import * as path from 'node:path';
import { readToolFile, userHome, writeToolFile } from './files';
import { splitHostEntry } from '../protocols/host-match';
import type { SetupRequest } from './request';

/** Bazel's check of a scope (CredentialHelperProvider.Builder in bazelbuild/bazel): a dotted DNS name, no port. */
const BAZEL_SCOPE = /^(\*|[-a-zA-Z0-9]+)(\.[-a-zA-Z0-9]+)+$/;

/**
 * Bazel: one `common --credential_helper=HOST=<credshare-bazel>` line per host (`*.suffix`
 * scopes are Bazel's own wildcard form) in ~/.bazelrc or --bazelrc FILE, between marker
 * comments naming the profile, so a rerun rewrites only that block and --undo removes
 * only it. `common` because Bazel 7+ applies such lines to every command that takes
 * the option (build, test, fetch, query, ...) and skips the others. Bazel's scopes are
 * host names without a port, and it refuses the whole flag for anything else (no dot,
 * `host:port`): a port is dropped here (credshare itself still checks it on each call),
 * and a host Bazel cannot take is skipped with a note.
 */
export function setupBazel(request: SetupRequest): void {
  const { profile, bins, undo, say, ctx } = request;
  const file = request.bazelrc ? path.resolve(request.bazelrc) : path.join(userHome(ctx.env), '.bazelrc');
  const begin = `# >>> credshare setup bazel, profile ${profile.name} (\`credshare setup bazel --undo\` removes this block) >>>`;
  const end = `# <<< credshare setup bazel, profile ${profile.name} <<<`;
  const scopes = [...new Set(profile.hosts.map((host) => splitHostEntry(host).host))];
  if (!undo) for (const scope of scopes.filter((s) => !BAZEL_SCOPE.test(s))) say(`bazel: ${scope} skipped: Bazel takes only dotted DNS names as credential helper scopes`);
  const lines = scopes.filter((s) => BAZEL_SCOPE.test(s)).map((scope) => `common ${rcWord(`--credential_helper=${scope}=${bins.bazel}`)}`);
  const block = [begin, ...lines, end];
  const tool = readToolFile(file);
  const text = tool.text ?? '';
  const existing = findBlock(text, begin, end);
  let next: string;
  if (undo) {
    if (!existing) { say(`bazel: ${file}: no credshare block for profile "${profile.name}"; nothing changed`); return; }
    next = text.slice(0, existing.start) + text.slice(existing.end);
  } else {
    if (lines.length === 0) { say(`bazel: profile "${profile.name}" has no hosts Bazel can take; nothing to set up`); return; }
    const wanted = block.join('\n') + '\n';
    if (existing && text.slice(existing.start, existing.end) === wanted) { say(`bazel: ${file}: already set up; nothing changed`); return; }
    next = existing
      ? text.slice(0, existing.start) + wanted + text.slice(existing.end)
      : text + (text === '' || text.endsWith('\n') ? '' : '\n') + wanted;
  }
  writeToolFile(tool, next, request.warn);
  say(`bazel: ${file}: ${undo ? 'removed' : existing ? 'replaced the credshare block with' : 'added'}:`);
  for (const line of undo ? text.slice(existing!.start, existing!.end).replace(/\n$/, '').split('\n') : block) say(`  ${line}`);
}

/** The block's span, its final newline included. */
function findBlock(text: string, begin: string, end: string): { start: number; end: number } | undefined {
  const start = text.indexOf(begin + '\n');
  if (start < 0 || (start > 0 && text[start - 1] !== '\n')) return undefined;
  const endAt = text.indexOf(end, start);
  if (endAt < 0) return undefined;
  const after = endAt + end.length;
  return { start, end: text[after] === '\n' ? after + 1 : after };
}

/** A bazelrc line is split into words like a shell line: quote a word only when it has blanks or quotes. */
function rcWord(word: string): string {
  return /[\s'"\\]/.test(word) ? `"${word.replace(/(["\\])/g, '\\$1')}"` : word;
}
