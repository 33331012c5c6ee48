import type { CoordinatorParts, RefreshStep } from '../core/coordinator';
import { FileCredentialStore } from '../core/file-store';
import type { WriteHooks } from '../core/private-files';

/**
 * TEST-ONLY fault injection for the fault suite (test/faults, docs/faults.md). Never set
 * this in real use.
 *
 * `CREDSHARE_TEST_PAUSE_AT=<step>` stops this process at one exact step of a refresh, so
 * that a test can SIGKILL or SIGSTOP it there. The steps, in order: `locked`,
 * `before-request`, `answered`, `writing` (the new credentials written to the temp file,
 * not yet renamed over credentials.json) and `written`.
 *
 * It cannot be triggered by accident: the variable has to name one of those steps exactly
 * (anything else is ignored), every pause announces itself on stderr, and a pause ends by
 * itself after 60 s (or at SIGUSR2), so a stray setting costs a minute, never a hang. It is
 * read here, in the CLI, and handed to the coordinator as an optional callback: src/core
 * never looks at the environment for it.
 */
const ASYNC_STEPS: readonly RefreshStep[] = ['locked', 'before-request', 'answered', 'written'];
const PAUSE_LIMIT_MS = 60_000;

/** The coordinator parts to override for the fault suite; empty (no override) in real use. */
export function testOverrides(env: NodeJS.ProcessEnv, credentialsFile: string, stderr: (text: string) => void): Partial<CoordinatorParts> {
  const { onStep, write } = testHooksFromEnv(env, stderr);
  if (write) return { store: new FileCredentialStore(credentialsFile, write) };
  return onStep ? { onStep } : {};
}

function testHooksFromEnv(env: NodeJS.ProcessEnv, stderr: (text: string) => void): Pick<CoordinatorParts, 'onStep'> & { write?: WriteHooks } {
  // Written synchronously in a credshare process, so the line is out before it blocks.
  const announce = (at: string): void => stderr(`credshare-test-hook[${process.pid}]: paused at ${at} (CREDSHARE_TEST_PAUSE_AT is for the fault suite only)\n`);
  const step = env.CREDSHARE_TEST_PAUSE_AT;
  if (!step) return {};
  if (step === 'writing') {
    // Inside a synchronous write: nothing can run, so block the thread outright.
    return { write: { beforeRename: () => { announce(step); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, PAUSE_LIMIT_MS); } } };
  }
  if (!(ASYNC_STEPS as readonly string[]).includes(step)) return {};
  return {
    onStep: (at) => {
      if (at !== step) return undefined;
      announce(at);
      return new Promise<void>((resolve) => {
        const done = (): void => { clearTimeout(timer); process.off('SIGUSR2', done); resolve(); };
        const timer = setTimeout(done, PAUSE_LIMIT_MS);
        process.on('SIGUSR2', done);
      });
    },
  };
}
