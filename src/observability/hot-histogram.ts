import { Histogram, type HistogramConfiguration, type LabelValues } from "prom-client";
import { LabelCells } from "./label-cells.js";

/** One label set's buckets, as plain numbers: an observation is a bucket search and three additions. */
class Cell<T extends string> {
  /** Observations per bucket (not cumulative); the last slot is above every bound (+Inf). */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(
    readonly labels: LabelValues<T>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

/** What `cell()` returns: the label set's one cell (the same object each time). */
export interface HistogramCell {
  observe(value: number): void;
}

/**
 * A prom-client Histogram for the hot path, as HotCounter is for counters: prom-client's `observe` checks and hashes
 * the labels on every call (~0.2 µs measured); here a label set is resolved to its cell by a map lookup (`cell`) and an
 * observation only adds to plain numbers. What is exported is what prom-client would export for the same
 * observations (a test compares both byte for byte). Observe through `cell(labels)`; the inherited `observe` throws.
 */
export class HotHistogram<T extends string = string> extends Histogram<T> {
  private readonly bounds: number[];
  private readonly cells: LabelCells<T, Cell<T>>;
  private readonly metricName: string;
  private readonly metricHelp: string;

  constructor(
    config: Omit<HistogramConfiguration<T>, "collect" | "enableExemplars"> & { buckets: number[] },
  ) {
    super(config);
    this.bounds = [...config.buckets].sort((a, b) => a - b);
    this.cells = new LabelCells(config.labelNames ?? [], (labels) => {
      super.labels(labels); // prom-client's label checks
      return new Cell<T>({ ...labels }, this.bounds);
    });
    this.metricName = config.name;
    this.metricHelp = config.help;
    // prom-client sets `observe` on the instance (not the prototype): replaced here, so that an observation
    // made the usual way fails loudly instead of going where `get` does not look.
    this.observe = () => {
      throw new Error(`${config.name}: observe through cell(labels)`);
    };
  }

  /** The cell of one label set (checked by prom-client when first seen: an unknown label throws). */
  cell(labels: LabelValues<T>): HistogramCell {
    return this.cells.get(labels);
  }

  override get(): Promise<Awaited<ReturnType<Histogram<T>["get"]>>> {
    const values: {
      labels: Record<string, string | number | undefined>;
      value: number;
      metricName: string;
    }[] = [];
    for (const cell of this.cells.all) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += cell.counts[i]!;
        values.push({
          labels: { le: bound, ...cell.labels },
          value: cumulative,
          metricName: `${this.metricName}_bucket`,
        });
      });
      values.push(
        {
          labels: { le: "+Inf", ...cell.labels },
          value: cell.count,
          metricName: `${this.metricName}_bucket`,
        },
        { labels: { ...cell.labels }, value: cell.sum, metricName: `${this.metricName}_sum` },
        { labels: { ...cell.labels }, value: cell.count, metricName: `${this.metricName}_count` },
      );
    }
    const metric = {
      name: this.metricName,
      help: this.metricHelp,
      type: "histogram",
      aggregator: "sum",
      values,
    };
    return Promise.resolve(metric as unknown as Awaited<ReturnType<Histogram<T>["get"]>>);
  }

  /** The registry reads this one for the text format. */
  getForPromString(): ReturnType<HotHistogram<T>["get"]> {
    return this.get();
  }

  override reset(): void {
    super.reset();
    // prom-client's constructor calls reset before this class's fields exist.
    this.cells?.clear();
  }
}
