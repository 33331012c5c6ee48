// Matrix row: a refused refresh answered HTTP 400 with an empty body (the independent
// provider of issue 9). credshare must take it as a refusal, not as an outage.
import { behaviourMatrix } from './issuer-behaviours-matrix';

behaviourMatrix({
  name: 'bare 400 refusal',
  behaviours: { bareRefreshRefusals: true },
  logout: 'revoked',
});
