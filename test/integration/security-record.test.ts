// Issue 12, finding 6, end to end: a refresh-state.json of an unexpected shape (another
// version's layout, a hand edit, wrong types) in a real home, refreshed by the real CLI
// against the real embedded issuer. The unit test (test/unit/refresh-record-shapes.test.ts)
// covers the same shapes in both store modes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sessionAlive } from '../support/fault-env';
import { fault } from '../support/fault-report';
import { signedInHome } from '../support/issuer-home';
import { runCli } from '../support/processes';

const SHAPES: Record<string, unknown> = {
  'an entry without "spent"': { default: { outcome: 'failed', presented: 'x', at: 1 } },
  '"spent" a number': { default: { outcome: 'refreshed', presented: 'x', at: 1, spent: 5 } },
  'another version\'s layout': { version: 2, profiles: { default: { outcome: 'refreshed', spent: [] } } },
  'a list': [{ outcome: 'failed' }],
};

test('a refresh-state.json of an unexpected shape is treated as empty and rewritten: every refresh still works', { timeout: 60_000 }, async (t) => {
  const env = await signedInHome();
  t.after(() => env.close());
  const record = path.join(env.home.paths.home, 'refresh-state.json');
  await fault({ id: 'security/malformed-refresh-record', area: 'security', fault: `refresh-state.json of another shape (${Object.keys(SHAPES).join('; ')})`, expected: 'each refresh exits 0 and rewrites the record in this version\'s shape; the session stays alive', file: __filename }, async (tally) => {
    for (const [shape, content] of Object.entries(SHAPES)) {
      fs.writeFileSync(record, JSON.stringify(content));
      env.expire();
      const result = await runCli(['token'], env.home.env);
      tally.calls(result);
      assert.equal(result.code, 0, `${shape}: ${result.stderr}`);
      const rewritten = JSON.parse(fs.readFileSync(record, 'utf8'));
      assert.deepEqual(Object.keys(rewritten), ['default'], shape);
      assert.equal(rewritten.default.outcome, 'refreshed', shape);
    }
    if (!(await sessionAlive(env))) tally.sessionsLost++;
    assert.ok(await sessionAlive(env));
  });
});
