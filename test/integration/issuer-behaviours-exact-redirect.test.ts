// Matrix row: redirect URIs compared exactly, port included (enterprise issuers; the
// independent provider of issue 9). credshare signs in with --redirect-port.
import { behaviourMatrix } from './issuer-behaviours-matrix';

behaviourMatrix({
  name: 'exact redirect URI',
  behaviours: { exactRedirectUris: true },
  browserOnFixedPort: true,
  logout: 'revoked',
});
