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

test('issue 16: every encoding the issue lists, of a secret quoted in part or in whole, goes; the words around it stay', async () => {
  const { encodingsOf } = await import('../support/echo-issuer');
  const { secretRuns } = await import('../support/secret-scan');
  const secret = 'cs/Client+secret="installed"\\app-24680';
  for (const [how, form] of Object.entries(encodingsOf(secret))) {
    for (const quoted of [form, `Basic ${Buffer.from(`client:${encodeURIComponent(secret)}`).toString('base64')}`]) {
      const text = redactSecrets(`invalid_client: the value ${quoted} is wrong (see https://login.example.com:8443/docs/errors#invalid_client)`, [secret]);
      assert.deepEqual(secretRuns({ [how]: text }, { secret }), [], `${how}: ${JSON.stringify(text)}`);
      assert.ok(text.startsWith('invalid_client: the value ') && text.endsWith(' is wrong (see https://login.example.com:8443/docs/errors#invalid_client)'), `${how}: ${JSON.stringify(text)}`);
    }
  }
  // A quote of part of a secret (12 characters or more) goes too.
  assert.equal(redactSecrets(`token ${secret.slice(5, 25)}... refused`, [secret]), `token ${REDACTED}... refused`);
});

test('issue 16: text without a secret is left exactly as it was, whatever it looks like', () => {
  const texts = [
    'https://login.example.com:8443/realms/corp/protocol/openid-connect/token refused the request (HTTP 400, invalid_grant: Token is not active)',
    'client_authentication_failed: Basic dXNlcjpwYXNzd29yZA== is not a known client',
    'line one\n  line two &amp; %41 \\u0041 deadbeefdeadbeefdeadbeefdeadbeef',
  ];
  for (const text of texts) assert.equal(redactSecrets(text, ['rt-0123456789abcdefghij', 'another-secret-987654321']), text);
});
