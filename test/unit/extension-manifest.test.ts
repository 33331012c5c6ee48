// Issue 12: what a workspace (a cloned repository's .vscode/settings.json) may decide.
// VS Code enforces these from the manifest; this checks the manifest says them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
const properties = manifest.contributes.configuration.properties as Record<string, { scope?: string }>;

test('a workspace cannot choose the issuer or client of a first sign-in: application-scoped, never a workspace setting', () => {
  // "application": user settings only, applied in every window, remote ones included. ("machine"
  // would also keep workspaces out, but a remote window, code-server's included, then ignores
  // the user's setting and wants it in the remote's own settings: seen in test/e2e.)
  for (const key of ['credshare.issuer', 'credshare.clientId']) assert.equal(properties[key]?.scope, 'application', key);
});

test('an untrusted workspace cannot choose the profile behind getSession and the terminals', () => {
  const restricted: string[] = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
  for (const key of ['credshare.profile', 'credshare.issuer', 'credshare.clientId']) assert.ok(restricted.includes(key), key);
});
