// Matrix row: the GitHub App combination: no discovery document (endpoints on the command
// line), a client secret sent in the form, and token errors answered with HTTP 200.
import { behaviourMatrix } from './issuer-behaviours-matrix';

behaviourMatrix({
  name: 'GitHub App (no discovery, secret in the form, errors with 200)',
  behaviours: { noDiscovery: true, clientSecretMethods: ['client_secret_post'], refusalsWithStatus200: true },
  endpointFlags: true,
  authMethod: 'client_secret_post', // without metadata, credshare's default is client_secret_basic
  logout: 'revoked',
});
