/** p50 and p95 of a sample, as every latency line of the demo's summary shows them. */
import { quantile } from "../lib/table.js";

export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
}

export function percentiles(values: number[]): Percentiles {
  return { count: values.length, p50: quantile(values, 0.5), p95: quantile(values, 0.95) };
}
