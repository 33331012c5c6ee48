// Step timings for e2e runs (printed and written to test-results/e2e/timings-<name>.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resultsDir } from './paths';

export class StepTimer {
  readonly steps: { step: string; ms: number }[] = [];
  private readonly start = Date.now();

  /** Time `fn` as `step`. */
  async time<T>(step: string, fn: () => Promise<T>): Promise<T> {
    const t = Date.now();
    try {
      return await fn();
    } finally {
      this.steps.push({ step, ms: Date.now() - t });
    }
  }

  summary(): string {
    const rows = this.steps.map((s) => `${(s.ms / 1000).toFixed(1).padStart(6)} s  ${s.step}`);
    return [...rows, `${((Date.now() - this.start) / 1000).toFixed(1).padStart(6)} s  total`].join('\n');
  }

  write(name: string): string {
    mkdirSync(resultsDir, { recursive: true });
    const f = path.join(resultsDir, `timings-${name}.json`);
    writeFileSync(f, JSON.stringify({ totalMs: Date.now() - this.start, steps: this.steps }, null, 2));
    return f;
  }
}
