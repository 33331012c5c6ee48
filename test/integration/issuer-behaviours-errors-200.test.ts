// Matrix row: a refused refresh answered HTTP 200 with the OAuth error in the body, as
// GitHub's token endpoint answers errors. credshare must still take it as a refusal.
import { behaviourMatrix } from './issuer-behaviours-matrix';

behaviourMatrix({
  name: 'refusal with HTTP 200 (GitHub)',
  behaviours: { refusalsWithStatus200: true },
  logout: 'revoked',
  // Today credshare reads the 200 as an unusable answer: exit 1, credentials kept, the dead
  // token presented again on the next call (issue 9's first failure, GitHub's way).
});
