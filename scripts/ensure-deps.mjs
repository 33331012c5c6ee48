// Runs before `npm start` and `npm test` (npm's pre-scripts), so that a fresh clone
// needs exactly one command: it installs dependencies when node_modules is missing or
// older than package-lock.json, and does nothing (in a few ms) otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const installed = 'node_modules/.package-lock.json';
const stale = !existsSync(installed) || statSync('package-lock.json').mtimeMs > statSync(installed).mtimeMs;
if (stale) {
  console.error('credshare: installing dependencies (npm install), once...');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['install', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('credshare: `npm install` failed; fix the error above and run the command again.');
    process.exit(result.status ?? 1);
  }
}
