/**
 * A one-line progress bar for long script work. On a terminal it redraws in place (at most every 100 ms, so
 * a fast loop does not spend its time drawing); elsewhere (CI, pipes) it prints a line at every 10 % so logs
 * stay short.
 */

/** Where the bar is drawn: stdout by default; `isTTY` decides between redrawing and one line per 10 %. */
export type ProgressOutput = Pick<NodeJS.WriteStream, "write"> & { isTTY?: boolean };

/** Least time between two redraws on a terminal. */
const REDRAW_INTERVAL_MS = 100;

export class ProgressBar {
  private readonly total: number;
  private readonly label: string;
  private readonly out: ProgressOutput;
  private current = 0;
  private note = "";
  private lastDecile = -1;
  private lastPrinted = -1;
  private lastDraw = 0;
  private finished = false;
  private readonly started = Date.now();

  constructor(label: string, total: number, out: ProgressOutput = process.stdout) {
    this.label = label;
    this.total = Math.max(1, total);
    this.out = out;
  }

  /** Advances by `n`; a non-empty `note` replaces the note shown after the count. */
  tick(n = 1, note = ""): void {
    this.set(this.current + n, note);
  }

  /** Sets the count to `current` (clamped to 0..total); a non-empty `note` replaces the note. */
  set(current: number, note = ""): void {
    if (this.finished) return;
    this.current = Math.max(0, Math.min(this.total, current));
    if (note) this.note = note;
    this.render(false);
  }

  /** Draws the final state (the count as it stands, full by default) and ends the line. Idempotent. */
  done(note = "", current = this.total): void {
    if (this.finished) return;
    this.current = Math.max(0, Math.min(this.total, current));
    if (note) this.note = note;
    this.render(true);
    this.finished = true;
    if (this.out.isTTY) this.out.write("\n");
  }

  private render(force: boolean): void {
    const fraction = this.current / this.total;
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
    if (this.out.isTTY) {
      const now = Date.now();
      if (!force && now - this.lastDraw < REDRAW_INTERVAL_MS && this.current < this.total) return;
      this.lastDraw = now;
      const width = 30;
      const filled = Math.round(fraction * width);
      const bar = "█".repeat(filled) + "░".repeat(width - filled);
      this.out.write(`\r${this.label} ${bar} ${this.current}/${this.total} ${seconds}s ${this.note}\x1b[K`);
      return;
    }
    const decile = Math.floor(fraction * 10);
    // The final line is printed unless the same count was just printed at a 10 % step.
    if (decile !== this.lastDecile || (force && this.current !== this.lastPrinted)) {
      this.lastDecile = decile;
      this.lastPrinted = this.current;
      this.out.write(
        `${this.label} ${Math.round(fraction * 100)}% (${this.current}/${this.total}) ${seconds}s ${this.note}`.trimEnd() +
          "\n",
      );
    }
  }
}
