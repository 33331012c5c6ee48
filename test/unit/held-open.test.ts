// A request that ends with neither an answer nor an error must still end the call with
// the usual timeout, not let the process exit 0 with nothing printed (heldOpen in
// src/core/oauth/http.ts). The dropped request is simulated by a fetch that settles only
// on abort and holds no handle (test/support/dropped-request.ts): a real one was seen once
// in CI, on a connection reset during discovery, and could not be reproduced on demand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

test('a dropped discovery request ends in "did not answer", not a silent exit', () => {
  const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'support', 'dropped-request.ts')], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /^failed: .*did not answer within 1s/m, `stdout: ${JSON.stringify(child.stdout)}`);
});
