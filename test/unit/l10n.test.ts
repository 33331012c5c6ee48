// The extension's strings are translatable as shipped: the committed l10n bundle is what
// `@vscode/l10n-dev export` makes of today's sources (a stale bundle leaves new strings
// untranslated for good), every `vscode.l10n.t` call is one the exporter can read, and every
// message is a whole sentence or a known button label, never a fragment glued in code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(import.meta.dirname, '../..');
const sources = path.join(root, 'src/extension');
const bundlePath = path.join(root, 'l10n/bundle.l10n.json');

/** Labels of buttons and menu entries: short by nature, and translated as a unit. */
const BUTTON_LABELS = new Set(['Copy', 'Cancel', 'Retry']);

interface Call { where: string; message?: string; objectForm: boolean; comment: string[]; problem?: string }

/** Every use of `l10n.t` in the extension's sources, as the exporter would have to read it. */
function l10nCalls(): Call[] {
  const calls: Call[] = [];
  for (const name of fs.readdirSync(sources).filter((f) => f.endsWith('.ts'))) {
    const file = path.join(sources, name);
    const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node) && node.name.text === 't' && node.expression.getText().endsWith('l10n')) {
        const where = `${name}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
        const call = node.parent;
        if (!ts.isCallExpression(call) || call.expression !== node) {
          calls.push({ where, objectForm: false, comment: [], problem: 'l10n.t used other than as a direct call (an alias such as `const t = vscode.l10n.t` hides every string from l10n-dev)' });
        } else {
          calls.push({ where, ...readArgument(call.arguments[0]) });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return calls;
}

function readArgument(arg: ts.Expression | undefined): Omit<Call, 'where'> {
  if (arg && ts.isStringLiteralLike(arg)) return { message: arg.text, objectForm: false, comment: [] };
  if (arg && ts.isObjectLiteralExpression(arg)) {
    const prop = (key: string) => arg.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText() === key)?.initializer;
    const message = prop('message');
    const comment = prop('comment');
    const comments = comment && ts.isArrayLiteralExpression(comment) ? comment.elements.filter(ts.isStringLiteralLike).map((e) => e.text)
      : comment && ts.isStringLiteralLike(comment) ? [comment.text] : [];
    if (message && ts.isStringLiteralLike(message)) return { message: message.text, objectForm: true, comment: comments };
  }
  return { objectForm: false, comment: [], problem: 'the message is not a string literal, so l10n-dev cannot export it' };
}

/** Words of a message, placeholders and punctuation left out. */
function words(message: string): string[] {
  return message.replace(/\{\d+\}/g, ' ').split(/\s+/).filter((w) => /\p{L}/u.test(w));
}

test('the committed l10n bundle is what l10n-dev exports from the sources (run `npm run l10n`)', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-l10n-'));
  try {
    const cli = path.join(root, 'node_modules/@vscode/l10n-dev/dist/cli.js');
    const run = spawnSync(process.execPath, [cli, 'export', '--outDir', out, sources], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    const exported = JSON.parse(fs.readFileSync(path.join(out, 'bundle.l10n.json'), 'utf8'));
    const committed = JSON.parse(fs.readFileSync(bundlePath, 'utf8'));
    const differing = [...new Set([...Object.keys(committed), ...Object.keys(exported)])]
      .filter((key) => JSON.stringify(committed[key]) !== JSON.stringify(exported[key]))
      .map((key) => `${key in exported ? (key in committed ? 'changed' : 'missing') : 'stale'}: ${key}`);
    assert.deepEqual(differing, [], 'l10n/bundle.l10n.json is out of date: run `npm run l10n` and commit it');
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('the manifest points VS Code at the bundle, and the package ships it', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  assert.equal(manifest.l10n, './l10n');
  assert.match(manifest.scripts.l10n, /l10n-dev export .*src\/extension/);
  assert.match(fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8'), /^!l10n\/\*\*$/m);
  const nls = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8'));
  const keys = new Set([...JSON.stringify(manifest).matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]));
  for (const key of keys) assert.ok(key in nls, `package.json uses %${key}% but package.nls.json has no such key`);
  for (const key of Object.keys(nls)) assert.ok(keys.has(key), `package.nls.json has ${key}, which package.json no longer uses: translators would translate it for nothing`);
});

test('every l10n.t call is one l10n-dev can export', () => {
  const calls = l10nCalls();
  assert.ok(calls.length >= 20, `only ${calls.length} l10n.t calls found: is the scan broken?`);
  assert.deepEqual(calls.filter((c) => c.problem).map((c) => `${c.where}: ${c.problem}`), []);
});

test('every message is a whole sentence or a button label, not a fragment', () => {
  const fragments = l10nCalls()
    .filter((c) => c.message !== undefined && !BUTTON_LABELS.has(c.message) && words(c.message).length < 2)
    .map((c) => `${c.where}: ${JSON.stringify(c.message)}`);
  assert.deepEqual(fragments, [], 'write whole sentences with {0} placeholders, or add a genuine button label to BUTTON_LABELS');
});

test('every placeholder is explained to translators in a comment', () => {
  const unexplained = l10nCalls()
    .filter((c) => c.message !== undefined && /\{\d+\}/.test(c.message))
    .filter((c) => !c.objectForm || [...c.message!.matchAll(/\{\d+\}/g)].some((m) => !c.comment.join(' ').includes(m[0])))
    .map((c) => `${c.where}: ${JSON.stringify(c.message)}`);
  assert.deepEqual(unexplained, [], 'use vscode.l10n.t({ message, args, comment }) with a comment naming each {n}');
});
