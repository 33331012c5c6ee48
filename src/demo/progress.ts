/**
 * One progress line per step on stderr. On a terminal it redraws in place with a bar;
 * elsewhere (CI logs, pipes) it prints the step once when it starts and once when it ends.
 */
export class Progress {
  private label = '';
  private total = 0;
  private started = 0;
  private lastDraw = 0;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  private get tty(): boolean {
    return !!this.stream.isTTY;
  }

  start(label: string, total: number): void {
    this.label = label;
    this.total = total;
    this.started = performance.now();
    this.lastDraw = 0;
    if (this.tty) this.draw(0);
    else this.stream.write(`${label}...\n`);
  }

  update(done: number): void {
    const now = performance.now();
    if (!this.tty || (now - this.lastDraw < 50 && done < this.total)) return;
    this.lastDraw = now;
    this.draw(done);
  }

  /** Ends the step with a short result, e.g. "1 refresh request". */
  finish(result: string): void {
    const line = `${this.label}: ${result} (${((performance.now() - this.started) / 1000).toFixed(1)} s)`;
    this.stream.write(this.tty ? `\r\x1b[2K  \x1b[32m✓\x1b[0m ${line}\n` : `${line}\n`);
  }

  /** A line of its own, between steps. */
  note(text: string): void {
    this.stream.write(this.tty ? `\r\x1b[2K  ${text}\n` : `${text}\n`);
  }

  private draw(done: number): void {
    const width = 24;
    const filled = this.total ? Math.round((done / this.total) * width) : 0;
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const elapsed = ((performance.now() - this.started) / 1000).toFixed(1);
    this.stream.write(`\r\x1b[2K  ${this.label} ${bar} ${done}/${this.total} processes done, ${elapsed} s`);
  }
}
