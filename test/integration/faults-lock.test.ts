// Fault suite, fast cases: the refresh lock (docs/faults.md). The cases live in
// test/faults/lock.ts; the slow ones run in test/faults/lock.slow.test.ts.
import { registerLockFaults } from '../faults/lock';

registerLockFaults('fast', __filename);
