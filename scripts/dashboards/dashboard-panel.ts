/**
 * What a dashboard panel is (a title, a description, a unit and its PromQL queries) and the builders the rows in
 * dashboard-rows.ts are written with.
 */

/** One query of a panel: PromQL (Grafana's $carrier, $instance and $__rate_interval allowed) and its legend. */
export interface Query {
  expr: string;
  legend: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  kind: "timeseries" | "stat";
  unit: string;
  queries: Query[];
  /** Stacked areas (parts of a whole), for time series. */
  stacked?: boolean;
  /** Stat colour thresholds: [value at which it turns orange, red]; `reverse` when low is bad. */
  thresholds?: { steps: [number, number]; reverse?: boolean };
  width?: number;
}

export interface RowSpec {
  title: string;
  panels: PanelSpec[];
}

export const sel = (extra = ""): string => `instance=~"$instance"${extra}`;
export const carrierSel = (extra = ""): string => `instance=~"$instance", carrier=~"$carrier"${extra}`;
/** A rate over Grafana's `$__rate_interval` unless a slower-moving ratio needs a longer `window`. */
export const rate = (metric: string, selector: string, window = "$__rate_interval"): string =>
  `rate(${metric}{${selector}}[${window}])`;

export function q(expr: string, legend: string): Query {
  return { expr, legend };
}

export function quantile(phi: number, bucket: string, selector: string, by: string): string {
  const labels = by === "" ? "le" : `${by}, le`;
  return `histogram_quantile(${phi}, sum by (${labels}) (${rate(bucket, selector)}))`;
}

export function stat(
  title: string,
  description: string,
  unit: string,
  queries: Query[],
  thresholds?: PanelSpec["thresholds"],
): PanelSpec {
  return { title, description, kind: "stat", unit, queries, width: 3, ...(thresholds && { thresholds }) };
}

export function series(
  title: string,
  description: string,
  unit: string,
  queries: Query[],
  stacked = false,
): PanelSpec {
  return { title, description, kind: "timeseries", unit, queries, stacked };
}
