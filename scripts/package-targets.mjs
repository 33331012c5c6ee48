// `npm run package:targets`: one platform-specific .vsix per system the native client is
// built for (credshare-<target>.vsix, `vsce package --target`), each carrying only that
// system's client (dist/native/<platform>-<arch>/credshare, ~0.7 MB compressed), so that
// the terminal launchers run it. The Marketplace serves each VS Code the .vsix of its
// target and the universal one (`npm run package`, no client: terminals run the Node CLI
// on VS Code's runtime, as before) to the rest. Windows gets the universal one: there is
// no Windows agent for a client to ask (v1). Alpine's targets take the Linux client (it is
// static, C or Go alike: it needs no libc at run time). Run `npm run package` first (it builds).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const TARGETS = { 'linux-x64': 'linux-x64', 'linux-arm64': 'linux-arm64', 'darwin-x64': 'darwin-x64', 'darwin-arm64': 'darwin-arm64', 'alpine-x64': 'linux-x64', 'alpine-arm64': 'linux-arm64' };

const scratch = mkdtempSync(path.join(tmpdir(), 'credshare-vsix-'));
try {
  const base = readFileSync(path.join(root, '.vscodeignore'), 'utf8');
  for (const [target, native] of Object.entries(TARGETS)) {
    const client = `dist/native/${native}/credshare`;
    if (!existsSync(path.join(root, client))) throw new Error(`${client} is missing: run \`npm run build\` with Go installed (apt-get install golang-go)`);
    // The universal ignore file, and this target's client let through.
    const ignore = path.join(scratch, `${target}.vscodeignore`);
    writeFileSync(ignore, `${base}\n!${client}\n`);
    const out = `credshare-${target}.vsix`;
    const result = spawnSync('npx', ['vsce', 'package', '--no-dependencies', '--readme-path', 'docs/marketplace/README.md', '--target', target, '--ignoreFile', ignore, '-o', out], { cwd: root, stdio: 'inherit' });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
