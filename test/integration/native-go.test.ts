// The native client's Go unit tests (native/cmd/credshare-client/client_test.go): its
// hand-written SHA-256 against Go's crypto/sha256, which commands get standard input
// unasked, and the framing across split reads. Run here so that `npm test` (and CI, which
// installs golang-go) runs them; skipped where there is no Go, as the client's build is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from '../support/processes';
import { requireNativeClient } from '../support/native';

test('go test ./... in native/ passes', { timeout: 300_000 }, (t) => {
  if (!requireNativeClient(t)) return;
  const result = spawnSync(process.env.GO || 'go', ['test', './...'], {
    cwd: path.join(repoRoot, 'native'), encoding: 'utf8', env: { ...process.env, CGO_ENABLED: '0' },
  });
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /^ok\s+credshare\.dev\/native\/cmd\/credshare-client/m);
});
