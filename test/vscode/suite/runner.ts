// A tiny test runner for the extension host (no mocha here): named tests run in order,
// failures are collected, and run() rejects if any failed, which the launcher turns
// into a failing exit (test-electron) or a failing outcome file (code-server).
export type TestFn = () => Promise<void>;

const tests: { name: string; fn: TestFn }[] = [];

export function test(name: string, fn: TestFn): void {
  tests.push({ name, fn });
}

export async function runAll(log: (line: string) => void = console.log): Promise<void> {
  const failures: string[] = [];
  for (const { name, fn } of tests) {
    const started = Date.now();
    try {
      await fn();
      log(`ok - ${name} (${Date.now() - started} ms)`);
    } catch (error) {
      failures.push(name);
      log(`not ok - ${name}\n  ${String((error as Error)?.stack ?? error).replace(/\n/g, '\n  ')}`);
    }
  }
  log(`${tests.length - failures.length}/${tests.length} passed`);
  if (failures.length) throw new Error(`${failures.length} extension-host test(s) failed: ${failures.join('; ')}`);
}
