/**
 * A one-line progress bar for long script work. On a terminal it redraws in place; elsewhere (CI, pipes)
 * it prints a line at every 10 % so logs stay short.
 */
export class ProgressBar {
  private readonly total: number;
  private readonly label: string;
  private readonly out: NodeJS.WriteStream;
  private current = 0;
  private lastDecile = -1;
  private readonly started = Date.now();

  constructor(label: string, total: number, out: NodeJS.WriteStream = process.stdout) {
    this.label = label;
    this.total = Math.max(1, total);
    this.out = out;
  }

  tick(n = 1, note = ""): void {
    this.current = Math.min(this.total, this.current + n);
    this.render(note);
  }

  done(note = ""): void {
    this.current = this.total;
    this.render(note);
    if (this.out.isTTY) this.out.write("\n");
  }

  private render(note: string): void {
    const fraction = this.current / this.total;
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
    if (this.out.isTTY) {
      const width = 30;
      const filled = Math.round(fraction * width);
      const bar = "█".repeat(filled) + "░".repeat(width - filled);
      this.out.write(`\r${this.label} ${bar} ${this.current}/${this.total} ${seconds}s ${note}\x1b[K`);
      return;
    }
    const decile = Math.floor(fraction * 10);
    if (decile !== this.lastDecile) {
      this.lastDecile = decile;
      this.out.write(
        `${this.label} ${Math.round(fraction * 100)}% (${this.current}/${this.total}) ${seconds}s ${note}\n`,
      );
    }
  }
}
