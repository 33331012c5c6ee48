// Fault suite, slow cases: waiting under load, and answers that arrive late (docs/faults.md).
// The cases live in test/faults/waiting.ts; the fast ones run in test/integration/faults-waiting.test.ts.
import { registerWaitingFaults } from './waiting';

registerWaitingFaults('slow', __filename);
