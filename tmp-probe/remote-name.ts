import path from 'node:path';
import os from 'node:os';
import { mkdtempSync, readFileSync } from 'node:fs';
import { startVsCodeServer, launchBrowser, openWindows, packageExtension, waitFor } from '../test/e2e/harness/index';
import { fixturesDir } from '../test/e2e/harness/paths';

async function main() {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'credshare-e2e-remotename-'));
  const consumer = await packageExtension(path.join(fixturesDir, 'consumer-extension'), path.join(tmp, 'vsix'), { dependencies: false });
  const server = await startVsCodeServer({ vsix: [consumer], runDir: path.join(tmp, 'run') });
  const b = await launchBrowser();
  try {
    const [w] = await openWindows(server, b, 1);
    const pid = await w!.extensionHostPid();
    const file = path.join(server.outDir, String(pid), 'consumer-activated.json');
    await waitFor('activated', async () => { try { return JSON.parse(readFileSync(file, 'utf8')); } catch { return undefined; } }, 30000);
    console.log(readFileSync(file, 'utf8'));
  } finally {
    await b.close(); await server.stop();
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
