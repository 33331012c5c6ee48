import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REDACTED, redactSecrets } from '../../src/core/redact';

const TOKEN = 'rt/with+special="chars"\\and~!*()\'-0123456789';

test('removes the raw, URL-encoded (both cases, form style), JSON-escaped and base64 forms of a secret', () => {
  const percent = encodeURIComponent(TOKEN);
  const forms = [TOKEN, percent, percent.toLowerCase(), new URLSearchParams({ t: TOKEN }).toString().slice(2),
    JSON.stringify(TOKEN).slice(1, -1), JSON.stringify(TOKEN).slice(1, -1).replace(/\//g, '\\/'),
    Buffer.from(TOKEN).toString('base64'), Buffer.from(TOKEN).toString('base64url')];
  for (const form of forms) {
    const text = redactSecrets(`before ${form} after`, [TOKEN]);
    assert.ok(text.startsWith('before ') && text.endsWith(' after') && text.includes(REDACTED), text);
    assert.ok(!text.includes(TOKEN.slice(0, 12)) && !text.includes(form), `${form} -> ${text}`);
  }
});

test('finds a base64-encoded secret inside a longer encoded string, at every byte offset', () => {
  for (const prefix of ['', 'a', 'ab', 'abc', 'client:']) {
    for (const encoding of ['base64', 'base64url'] as const) {
      const encoded = Buffer.from(`${prefix}${TOKEN}"}`).toString(encoding);
      const text = redactSecrets(encoded, [TOKEN]);
      assert.ok(text.includes(REDACTED), `${prefix} ${encoding}: ${text}`);
      // What is left around the marker is at most the two neighbouring characters on each side.
      assert.ok(text.length <= REDACTED.length + Math.ceil((prefix.length + 2) * 4 / 3) + 4, text);
    }
  }
});

test('leaves text without secrets alone, and ignores empty or very short "secrets"', () => {
  assert.equal(redactSecrets('invalid_grant: refresh token expired', [TOKEN, undefined, '', 'abc']), 'invalid_grant: refresh token expired');
});
