// The refusal table (src/core/oauth/refusal-table.ts): every answer a token endpoint can give
// to a refresh lands on exactly the row docs/issuers.md documents, and the docs list every row.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { REFUSAL_TABLE, answerInWords, classifyRefreshAnswer, exitCodeOf, type RefreshAnswer, type RefreshCircumstances } from '../../src/core/oauth/refusal-table';
import { readRefreshAnswer, withErrorStatus } from '../../src/core/oauth/refusal';

const fresh: RefreshCircumstances = { narrowed: false, shapeProven: false };
const proven: RefreshCircumstances = { narrowed: false, shapeProven: true };
const narrowed: RefreshCircumstances = { narrowed: true, shapeProven: true };

const cases: [string, RefreshAnswer, RefreshCircumstances, string, 1 | 3][] = [
  ['timeout', { noAnswer: 'timeout' }, proven, 'no-answer', 1],
  ['connection reset', { noAnswer: 'network' }, proven, 'no-answer', 1],
  ['429', { status: 429 }, proven, 'busy', 1],
  ['503 with an error', { status: 503, error: 'invalid_grant' }, proven, 'busy', 1],
  ['500', { status: 500, error: 'server_error' }, proven, 'server-error', 1],
  ['400 temporarily_unavailable', { status: 400, error: 'temporarily_unavailable' }, proven, 'temporarily-unavailable', 1],
  ['401 Basic challenge (LemonLDAP, oidc-provider)', { status: 401, error: 'invalid_client', challenge: 'Basic' }, proven, 'client-challenge', 1],
  ['401 Basic challenge with an empty body', { status: 401, challenge: 'Basic', empty: true }, fresh, 'client-challenge', 1],
  ['400 invalid_client (secret in the body)', { status: 400, error: 'invalid_client' }, proven, 'invalid-client', 1],
  ['GitHub incorrect_client_credentials', { status: 400, statusSent: 200, error: 'incorrect_client_credentials' }, fresh, 'invalid-client', 1],
  ['invalid_grant', { status: 400, error: 'invalid_grant' }, fresh, 'dead-refresh-token', 3],
  ['GitHub bad_refresh_token', { status: 400, statusSent: 200, error: 'bad_refresh_token' }, fresh, 'dead-refresh-token', 3],
  ['narrowed invalid_scope', { status: 400, error: 'invalid_scope' }, narrowed, 'narrowed-scope-refused', 3],
  ['narrowed invalid_request', { status: 400, error: 'invalid_request' }, narrowed, 'narrowed-scope-refused', 3],
  ['invalid_scope on the grant\'s own scope', { status: 400, error: 'invalid_scope' }, proven, 'grant-scope-refused', 3],
  ['unsupported_grant_type', { status: 400, error: 'unsupported_grant_type' }, proven, 'unsupported-grant-type', 1],
  ['invalid_request after a refresh of this shape succeeded (LemonLDAP)', { status: 400, error: 'invalid_request' }, proven, 'refused-after-success', 3],
  ['unauthorized_client after success', { status: 400, error: 'unauthorized_client' }, proven, 'refused-after-success', 3],
  ['access_denied after success', { status: 400, error: 'access_denied' }, proven, 'refused-after-success', 3],
  ['bare 400 (glewlwyd)', { status: 400, empty: true }, fresh, 'bare-refusal', 3],
  ['bare 401', { status: 401, empty: true }, fresh, 'bare-refusal', 3],
  ['400 HTML page', { status: 400 }, fresh, 'bare-refusal', 3],
  ['first refresh refused with invalid_request', { status: 400, error: 'invalid_request' }, fresh, 'refused-first-time', 1],
  ['first refresh refused with unauthorized_client', { status: 400, error: 'unauthorized_client' }, fresh, 'refused-first-time', 1],
  ['403 unauthorized_client (glewlwyd: grant not allowed)', { status: 403, error: 'unauthorized_client' }, proven, 'other-client-error', 1],
  ['404', { status: 404, empty: true }, proven, 'other-client-error', 1],
  ['302 redirect', { status: 302 }, proven, 'unusable-answer', 1],
];

for (const [name, answer, circumstances, row, exit] of cases) {
  test(`refusal table: ${name} -> ${row}, exit ${exit}`, () => {
    const found = classifyRefreshAnswer(answer, circumstances);
    assert.equal(found.id, row);
    assert.equal(exitCodeOf(found.class), exit);
  });
}

test('every row of the table is reached by some answer, and docs/issuers.md documents every row with its reason', () => {
  const reached = new Set(cases.map(([, , , row]) => row));
  assert.deepEqual(REFUSAL_TABLE.map((r) => r.id).filter((id) => !reached.has(id)), [], 'rows no case reaches');
  const docs = fs.readFileSync(path.join(__dirname, '../../docs/issuers.md'), 'utf8');
  for (const row of REFUSAL_TABLE) {
    assert.ok(docs.includes(`| \`${row.id}\` |`), `docs/issuers.md has a line for ${row.id}`);
    assert.ok(docs.includes(row.why), `docs/issuers.md gives the reason of ${row.id} as the table does`);
  }
});

test('an answer is read as the table needs it: body error and description, challenge scheme, empty body, GitHub\'s 200', async () => {
  const json = { 'content-type': 'application/json' };
  assert.deepEqual(await readRefreshAnswer(new Response('{"error":"invalid_request"}', { status: 400, headers: json })), { status: 400, error: 'invalid_request' });
  assert.deepEqual(await readRefreshAnswer(new Response('', { status: 400 })), { status: 400, empty: true });
  assert.deepEqual(await readRefreshAnswer(new Response('<html>no</html>', { status: 400 })), { status: 400 });
  assert.deepEqual(await readRefreshAnswer(new Response('{"error":"invalid_client"}', { status: 401, headers: { ...json, 'www-authenticate': 'Basic' } })),
    { status: 401, error: 'invalid_client', challenge: 'Basic' });
  assert.deepEqual(await readRefreshAnswer(new Response('', { status: 401, headers: { 'www-authenticate': 'Basic realm="x", error="invalid_client", error_description="bad"' } })),
    { status: 401, empty: true, challenge: 'Basic', error: 'invalid_client' });
  const github = await withErrorStatus(new Response('{"error":"bad_refresh_token","error_description":"expired"}', { status: 200, headers: json }));
  const answer = await readRefreshAnswer(github);
  assert.deepEqual(answer, { status: 400, statusSent: 200, error: 'bad_refresh_token', description: 'expired' });
  assert.equal(answerInWords(answer), 'HTTP 200 bad_refresh_token: expired');
  assert.equal(answerInWords({ status: 400, empty: true }), 'HTTP 400 with an empty body');
  assert.equal(answerInWords({ status: 401, error: 'invalid_client', challenge: 'Basic' }), 'HTTP 401 invalid_client, WWW-Authenticate: Basic');
});
