// Matrix row: today's issuer (rotating, reuse-detecting refresh tokens; Auth0 with leeway 0,
// Keycloak with "Revoke Refresh Token" on). The baseline every other row differs from.
import { behaviourMatrix } from './issuer-behaviours-matrix';

behaviourMatrix({ name: 'rotating (default)', behaviours: {}, logout: 'revoked' });
