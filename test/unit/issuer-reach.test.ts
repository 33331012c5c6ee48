// The pure parts of issuer reach: which client authentication to use, the authorization
// server built from config.json's endpoints, GitHub's 200 errors, and the profile checks (refusals: refusal-table.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { revocationAuthMethod, tokenAuthMethod } from '../../src/core/oauth/client-auth';
import { serverFromEndpoints } from '../../src/core/oauth/metadata';
import { withErrorStatus } from '../../src/core/oauth/refusal';
import { clientProblem } from '../../src/core/profile';

test('token endpoint auth: none without a secret; with one, the explicit method, else basic before post as the metadata lists', () => {
  assert.equal(tokenAuthMethod({}, ['client_secret_basic']), 'none');
  assert.equal(tokenAuthMethod({ clientSecret: 's' }, undefined), 'client_secret_basic', 'RFC 8414 default when nothing is listed');
  assert.equal(tokenAuthMethod({ clientSecret: 's' }, ['client_secret_post', 'client_secret_basic']), 'client_secret_basic');
  assert.equal(tokenAuthMethod({ clientSecret: 's' }, ['none', 'client_secret_post']), 'client_secret_post');
  assert.equal(tokenAuthMethod({ clientSecret: 's' }, ['private_key_jwt']), 'client_secret_basic');
  assert.equal(tokenAuthMethod({ clientSecret: 's', tokenEndpointAuthMethod: 'client_secret_post' }, ['client_secret_basic']), 'client_secret_post');
  assert.equal(tokenAuthMethod({ clientSecret: 's', tokenEndpointAuthMethod: 'none' }, undefined), 'none');
});

test('revocation auth: honours revocation_endpoint_auth_methods_supported, and says when a public client cannot revoke', () => {
  assert.equal(revocationAuthMethod({}, {}), 'none', 'nothing listed: try as a public client');
  assert.equal(revocationAuthMethod({}, { revocation_endpoint_auth_methods_supported: ['none', 'client_secret_basic'] }), 'none');
  const refused = revocationAuthMethod({}, { revocation_endpoint_auth_methods_supported: ['client_secret_basic'] });
  assert.equal(typeof refused, 'object');
  assert.match((refused as { unavailable: string }).unavailable, /only with client authentication \(client_secret_basic\), and this profile has no client secret/);
  assert.equal(revocationAuthMethod({ clientSecret: 's' }, {}), 'client_secret_basic');
  assert.equal(revocationAuthMethod({ clientSecret: 's' }, { token_endpoint_auth_methods_supported: ['client_secret_post'] }), 'client_secret_post');
  assert.equal(revocationAuthMethod({ clientSecret: 's' }, { revocation_endpoint_auth_methods_supported: ['client_secret_post'] }), 'client_secret_post',
    'the token endpoint\'s basic is not listed for revocation: post');
  assert.equal(revocationAuthMethod({ clientSecret: 's', tokenEndpointAuthMethod: 'client_secret_basic' }, { revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'] }), 'client_secret_basic');
});

test('endpoints build the authorization server without a request, and plain HTTP off loopback is refused', () => {
  const as = serverFromEndpoints(new URL('https://github.com'), { authorization: 'https://github.com/login/oauth/authorize', token: 'https://github.com/login/oauth/access_token' });
  assert.deepEqual(as, { issuer: 'https://github.com', authorization_endpoint: 'https://github.com/login/oauth/authorize', token_endpoint: 'https://github.com/login/oauth/access_token' });
  assert.equal(serverFromEndpoints(new URL('https://login.example.com/realms/dev'), { token: 'https://t.example/t' }).issuer, 'https://login.example.com/realms/dev');
  assert.equal(serverFromEndpoints(new URL('http://127.0.0.1:8080'), { token: 'http://127.0.0.1:8080/token' }).token_endpoint, 'http://127.0.0.1:8080/token');
  assert.throws(() => serverFromEndpoints(new URL('https://github.com'), { token: 'https://github.com/t', revocation: 'http://github.com/revoke' }),
    { code: 'ISSUER_REFUSED', message: /they give revocation_endpoint as "http:\/\/github\.com\/revoke", which is not an HTTPS URL/ });
  assert.throws(() => serverFromEndpoints(new URL('http://127.0.0.1:8080'), { token: 'http://127.0.0.2:8080/token' }), { code: 'ISSUER_REFUSED' });
});

test('profile client fields are checked, with the field named', () => {
  assert.equal(clientProblem({}), undefined);
  assert.equal(clientProblem({ clientSecret: 's', tokenEndpointAuthMethod: 'client_secret_post', redirectPort: 8400, endpoints: { token: 'https://t.example/t' } }), undefined);
  assert.match(clientProblem({ clientSecret: '' })!, /"clientSecret" must be a non-empty string/);
  assert.match(clientProblem({ tokenEndpointAuthMethod: 'client_secret_basic' })!, /needs a "clientSecret"/);
  assert.match(clientProblem({ tokenEndpointAuthMethod: 'tls_client_auth' })!, /must be one of none, client_secret_basic, client_secret_post/);
  for (const port of [0, 65536, 1.5, '8080']) assert.match(clientProblem({ redirectPort: port })!, /"redirectPort" must be a port number/);
  assert.match(clientProblem({ endpoints: [] })!, /"endpoints" must be an object/);
  assert.match(clientProblem({ endpoints: { token: 'https://t', jwks: 'https://j' } })!, /unknown key "jwks"/);
  assert.match(clientProblem({ endpoints: { userinfo: 'https://u' } })!, /at least "token"/);
});

test('a 200 carrying an OAuth error and no access token (GitHub) becomes the 400 it stands for; other answers pass unchanged', async () => {
  const json = { 'content-type': 'application/json' };
  const pending = await withErrorStatus(new Response('{"error":"authorization_pending","error_description":"wait"}', { status: 200, headers: json }));
  assert.equal(pending.status, 400);
  assert.deepEqual(await pending.json(), { error: 'authorization_pending', error_description: 'wait' });
  const tokens = new Response('{"access_token":"a","token_type":"bearer"}', { status: 200, headers: json });
  assert.equal(await withErrorStatus(tokens), tokens);
  const odd = new Response('{"access_token":"a","error":"x"}', { status: 200, headers: json });
  assert.equal(await withErrorStatus(odd), odd, 'an access token wins: the answer is not an error');
  const notFound = new Response('', { status: 404 });
  assert.equal(await withErrorStatus(notFound), notFound);
});
