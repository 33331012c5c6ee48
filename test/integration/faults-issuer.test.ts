// Fault suite, fast cases: the issuer misbehaves (docs/faults.md). The cases live in
// test/faults/issuer.ts; the slow ones run in test/faults/issuer.slow.test.ts.
import { registerIssuerFaults } from '../faults/issuer';

registerIssuerFaults('fast', __filename);
