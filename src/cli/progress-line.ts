/**
 * A progress line for long command-line work (an import of a million ported numbers): on a terminal's stderr it
 * redraws one line in place, at most every REDRAW_INTERVAL_MS; anywhere else (a pipe, a log, a test) it writes
 * nothing, so captured output holds only the command's own lines. The command prints its summary itself.
 */
import type { TextSink } from "./cli-context.js";

/** Least time between two redraws: a fast loop must not spend its time drawing. */
export const REDRAW_INTERVAL_MS = 100;

const BAR_WIDTH = 30;

export class ProgressLine {
  readonly #sink: TextSink;
  readonly #label: string;
  readonly #now: () => number;
  readonly #drawing: boolean;
  #lastDraw = Number.NEGATIVE_INFINITY;
  #drawn = false;

  /** `sink` is drawn on only when it is a terminal (`isTTY`, as process.stderr has it); `now` in ms. */
  constructor(sink: TextSink, label: string, now: () => number = Date.now) {
    this.#sink = sink;
    this.#label = label;
    this.#now = now;
    this.#drawing = (sink as { isTTY?: unknown }).isTTY === true;
  }

  /**
   * `done` of `total` as a bar and a percentage, then `note` (called only when the line is drawn: a loop over a
   * million lines builds no text it does not show); redrawn at most every REDRAW_INTERVAL_MS.
   */
  update(done: number, total: number, note: () => string = () => ""): void {
    if (!this.#drawing) return;
    const now = this.#now();
    if (now - this.#lastDraw < REDRAW_INTERVAL_MS) return;
    this.#lastDraw = now;
    const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = "█".repeat(filled) + "░".repeat(BAR_WIDTH - filled);
    const text = `${this.#label} ${bar} ${Math.floor(fraction * 100)}% ${note()}`.trimEnd();
    this.#sink.write(`\r${text}\x1b[K`);
    this.#drawn = true;
  }

  /** Erases the line (if one was drawn), so what follows starts on a clean line. Idempotent. */
  clear(): void {
    if (!this.#drawn) return;
    this.#sink.write("\r\x1b[K");
    this.#drawn = false;
    this.#lastDraw = Number.NEGATIVE_INFINITY;
  }
}
