// The README the .vsix ships (docs/marketplace/README.md, packed by `vsce package
// --readme-path`) is read on the marketplace page and in the Extensions view, where a link
// relative to the repository leads nowhere. So every link and image is an absolute https URL
// into the repository package.json names, and the file it points at exists here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const readmePath = 'docs/marketplace/README.md';
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const readme = fs.readFileSync(path.join(root, readmePath), 'utf8');

/** Targets of Markdown links and images, and of HTML src/href attributes. */
function linkTargets(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  const markdownLinks = [...withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]);
  const htmlLinks = [...withoutCode.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  return [...markdownLinks, ...htmlLinks];
}

test('the package script packs the marketplace README, and the manifest names its repository', () => {
  assert.match(manifest.scripts.package, new RegExp(`--readme-path ${readmePath.replace(/\./g, '\\.')}`));
  assert.equal(manifest.repository.url, 'https://github.com/credshare/credshare');
});

test('every link and image in the marketplace README is absolute and reaches an existing file of the repository', () => {
  const targets = linkTargets(readme);
  assert.ok(targets.length >= 5, `only ${targets.length} links found: is the scan broken?`);
  const repo = manifest.repository.url;
  const problems: string[] = [];
  for (const target of targets) {
    if (!target.startsWith('https://')) { problems.push(`${target}: not an absolute https URL`); continue; }
    if (!target.startsWith(repo + '/')) continue; // elsewhere on the web: not ours to check
    const inRepo = target.slice(repo.length + 1).match(/^(?:blob|raw)\/main\/([^#?]+)/);
    if (inRepo) {
      if (!fs.existsSync(path.join(root, inRepo[1]))) problems.push(`${target}: no file ${inRepo[1]} in the repository`);
    } else if (!/^issues\b/.test(target.slice(repo.length + 1))) {
      problems.push(`${target}: neither blob/main/, raw/main/ nor issues`);
    }
  }
  assert.deepEqual(problems, []);
});

test('images are raw PNG or JPEG files (the marketplace refuses SVG from the repository)', () => {
  const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)/g)].map((m) => m[1]);
  assert.ok(images.length >= 1, 'the marketplace page shows at least one screenshot');
  for (const image of images) assert.match(image, /\/raw\/main\/.+\.(png|jpe?g)$/, image);
});

test('the settings table lists every setting the extension contributes', () => {
  for (const key of Object.keys(manifest.contributes.configuration.properties)) {
    assert.ok(readme.includes('`' + key + '`'), `${key} is missing from ${readmePath}`);
  }
  for (const command of manifest.contributes.commands.filter((c: { command: string }) => !c.command.includes('walkthrough'))) {
    const title = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8'))[command.title.replace(/%/g, '')];
    assert.ok(readme.includes(`**credshare: ${title}**`), `command "${title}" is missing from ${readmePath}`);
  }
});
