import type { Registry } from "prom-client";

export interface HistogramReading {
  count: number;
  sum: number;
  /** Cumulative observations at or below each bucket bound (`le`). */
  atMost: (bound: number) => number | undefined;
}

/** One label set's series of histogram `name` in `registry` (zeros when never observed). */
export async function readHistogram(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<HistogramReading> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as {
    value: number;
    labels: Record<string, string | number>;
    metricName?: string;
  }[];
  const ours = values.filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want));
  const series = (suffix: string) => ours.filter((v) => v.metricName === `${name}${suffix}`);
  return {
    count: series("_count")[0]?.value ?? 0,
    sum: series("_sum")[0]?.value ?? 0,
    atMost: (bound) => series("_bucket").find((v) => v.labels.le === bound)?.value,
  };
}
