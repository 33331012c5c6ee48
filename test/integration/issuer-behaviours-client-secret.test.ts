// Matrix row: a required client secret (Google's installed apps; GitHub Apps), accepted only
// in the form (client_secret_post), so credshare must pick the method the metadata lists.
import { behaviourMatrix } from './issuer-behaviours-matrix';

behaviourMatrix({
  name: 'client secret (post only)',
  behaviours: { clientSecretMethods: ['client_secret_post'] },
  logout: 'revoked',
});
