// Matrix row: the revocation endpoint demands client authentication (its metadata lists no
// `none`), and the client is public: logout cannot revoke, and must say so.
import { behaviourMatrix } from './issuer-behaviours-matrix';

behaviourMatrix({
  name: 'revocation needs client auth',
  behaviours: { revocationRequiresClientAuth: true },
  logout: 'not-revocable',
});
