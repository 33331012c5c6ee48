// Fault suite, fast cases: waiting under load, and answers that arrive late (docs/faults.md).
// The cases live in test/faults/waiting.ts; the slow ones run in test/faults/waiting.slow.test.ts.
import { registerWaitingFaults } from '../faults/waiting';

registerWaitingFaults('fast', __filename);
