// Fault suite, slow cases: the refresh lock (docs/faults.md). The cases live in
// test/faults/lock.ts; the fast ones run in test/integration/faults-lock.test.ts.
import { registerLockFaults } from './lock';

registerLockFaults('slow', __filename);
