// Matrix row: no discovery document at all (GitHub; some in-house servers). credshare is
// given every endpoint on the command line and must never ask for discovery to refresh.
import { behaviourMatrix } from './issuer-behaviours-matrix';

behaviourMatrix({
  name: 'no discovery document',
  behaviours: { noDiscovery: true },
  endpointFlags: true,
  logout: 'revoked',
});
