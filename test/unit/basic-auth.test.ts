import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientSecretBasic, encodeCredential } from '../../src/core/oauth/basic-auth';

function basicHeader(clientId: string, secret: string): string {
  const headers = new Headers();
  void clientSecretBasic(secret)({ issuer: 'https://issuer.example' }, { client_id: clientId }, new URLSearchParams(), headers);
  return Buffer.from(headers.get('authorization')!.replace(/^Basic /, ''), 'base64').toString('utf8');
}

test('Basic client authentication leaves unreserved characters as they are, so issuers that do not decode still match', () => {
  assert.equal(basicHeader('credshare-with-secret', 'GOCSPX-abc_def.g~h'), 'credshare-with-secret:GOCSPX-abc_def.g~h');
});

test('Basic client authentication still form-urlencodes what must be encoded (RFC 6749 section 2.3.1)', () => {
  assert.equal(basicHeader('app:one', 'p@ss w%rd/+!*'), 'app%3Aone:p%40ss%20w%25rd%2F%2B%21%2A');
  assert.equal(decodeURIComponent(encodeCredential("it's (é)")), "it's (é)", 'a decoding issuer gets the original back');
});
