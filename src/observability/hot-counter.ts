import { Counter, type CounterConfiguration, type LabelValues } from "prom-client";
import { LabelCells } from "./label-cells.js";

/** One label set's running count, handed to prom-client when the metric is read. */
interface Cell<T extends string> {
  labels: LabelValues<T>;
  pending: number;
}

type Count<T extends string> = (labels: LabelValues<T>, value: number) => void;

/**
 * A prom-client Counter for the hot path. prom-client's `inc({ … })` builds a string key from the labels and checks
 * every label name on each call (0.1–0.5 µs; a message takes about ten increments); here an increment finds its
 * label set by the label values through small maps (no string built) and adds to a plain number. The sums are
 * handed to prom-client whenever the metric is read (a scrape, `get()`, the registry's `metrics()`), so what is
 * exported is what prom-client would have counted. As in prom-client, a missing label and an undefined one are
 * the same, and values are compared as strings. A label set is checked by prom-client when first seen (a label
 * the counter does not have throws then; the label names are also checked at compile time); the increment on every
 * call, with prom-client's own errors.
 */
export class HotCounter<T extends string = string> extends Counter<T> {
  private readonly cells: LabelCells<T, Cell<T>>;
  /** prom-client's own increment (the counter's `inc` before this class replaced it). */
  private readonly count: Count<T>;

  constructor(config: Omit<CounterConfiguration<T>, "collect" | "enableExemplars">) {
    super({
      ...config,
      collect() {
        (this as HotCounter<T>).handOver();
      },
    });
    this.cells = new LabelCells(config.labelNames ?? [], (labels) => {
      this.count(labels, 0); // prom-client checks the new label set (and shows it, at zero, from now on)
      return { labels: { ...labels }, pending: 0 };
    });
    this.count = this.inc.bind(this);
    this.inc = this.add.bind(this) as Counter<T>["inc"];
  }

  private add(labels?: LabelValues<T> | number, value?: number): void {
    if (labels === undefined || typeof labels === "number") {
      value = labels;
      labels = {};
    }
    const cell = this.cells.get(labels);
    if (value === undefined) value = 1;
    else if (!Number.isFinite(value) || value < 0) {
      this.count({}, value); // prom-client's checks and messages: a negative or infinite increment throws
      throw new TypeError(`Value is not a valid number: ${value}`); // NaN, which prom-client would add
    }
    cell.pending += value;
  }

  /** Adds the running counts to prom-client's values (called before every read). */
  private handOver(): void {
    for (const cell of this.cells.all) {
      if (cell.pending > 0) {
        this.count(cell.labels, cell.pending);
        cell.pending = 0;
      }
    }
  }

  override reset(): void {
    super.reset();
    // prom-client's constructor calls reset before this class's fields exist.
    this.cells?.clear();
  }
}
