// Fault suite, slow cases: the issuer misbehaves (docs/faults.md). The cases live in
// test/faults/issuer.ts; the fast ones run in test/integration/faults-issuer.test.ts.
import { registerIssuerFaults } from './issuer';

registerIssuerFaults('slow', __filename);
