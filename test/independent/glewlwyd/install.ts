import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as zlib from 'node:zlib';

/** Where Debian's glewlwyd package (bookworm, 2.7.x) puts what a scratch server needs. */
export const DEBIAN = {
  binary: '/usr/bin/glewlwyd',
  webapp: '/usr/share/glewlwyd/webapp',
  webappConfig: '/etc/glewlwyd/config-2.7.json/config.json',
  /** The database script, plain (dbconfig-common's copy) or gzipped (the documentation's). */
  sqlScripts: ['/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3', '/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz'],
  chromium: '/usr/bin/chromium',
};

/** Why the independent-issuer test cannot run here, or undefined when everything is installed. */
export function missingPieces(): string | undefined {
  const missing: string[] = [];
  if (!fs.existsSync(DEBIAN.binary)) missing.push('glewlwyd');
  if (!DEBIAN.sqlScripts.some((f) => fs.existsSync(f))) missing.push('glewlwyd database script');
  if (spawnSync('sqlite3', ['-version']).status !== 0) missing.push('sqlite3');
  if (!fs.existsSync(`${DEBIAN.webapp}/js/jquery.min.js`)) missing.push('libjs-jquery (glewlwyd\'s login page needs it)');
  if (!fs.existsSync(DEBIAN.chromium)) missing.push('chromium');
  return missing.length === 0 ? undefined
    : `${missing.join(', ')} not installed: run as root \`apt-get install -y --no-install-recommends glewlwyd libjs-jquery sqlite3 chromium\` (.ci/run does)`;
}

/** Creates glewlwyd's tables and its default administrator in a new sqlite file with Debian's script. */
export function initDatabase(file: string): void {
  const script = DEBIAN.sqlScripts.find((f) => fs.existsSync(f))!;
  const raw = fs.readFileSync(script);
  const sql = script.endsWith('.gz') ? zlib.gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  const result = spawnSync('sqlite3', [file], { input: sql, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`sqlite3 ${file} < ${script} failed: ${result.stderr}`);
}

/**
 * A copy of glewlwyd's web app whose config.json names the public URL. Debian's package links
 * webapp/config.json to /etc/glewlwyd/config-2.7.json, which is a directory holding the real
 * config.json, and glewlwyd's static file server does not follow links out of its folder,
 * so the pages are copied (links resolved) rather than served in place.
 */
export function copyWebapp(target: string, publicUrl: string): void {
  fs.cpSync(DEBIAN.webapp, target, { recursive: true, dereference: true, filter: (src) => src !== `${DEBIAN.webapp}/config.json` });
  const config = JSON.parse(fs.readFileSync(DEBIAN.webappConfig, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(`${target}/config.json`, JSON.stringify({ ...config, GlewlwydUrl: `${publicUrl}/` }, null, 2));
}
