import type { Registry } from "prom-client";

/** Labels every scraped series has, beside a metric's own, and a histogram bucket's. */
const SCRAPE_LABELS = ["le", "job", "instance"];

/**
 * The otpgw metric families a PromQL expression reads (a histogram's _bucket/_count/_sum by its own name), with
 * the label names its selectors match on.
 */
export function promqlSelectors(expr: string): { family: string; labels: string[] }[] {
  return [...expr.matchAll(/\b(otpgw_[a-z0-9_]+)(\{([^}]*)\})?/g)].map((m) => ({
    family: m[1]!.replace(/_(bucket|count|sum)$/, ""),
    labels: [...(m[3] ?? "").matchAll(/([a-z_]+)\s*(=~|!~|!=|=)/g)].map((l) => l[1]!),
  }));
}

function labelNames(registry: Registry, family: string): string[] | undefined {
  const metric = registry.getSingleMetric(family) as unknown as { labelNames?: string[] } | undefined;
  return metric ? (metric.labelNames ?? []) : undefined;
}

/**
 * What in `expr` otpgw does not export: a metric family missing from `registry` (Node's process metrics, which
 * prom-client adds without label names of ours, are looked up in `exported`, the registry's text), a label a
 * selector matches on that its metric does not have, a label aggregated `by` that no metric read has.
 */
export function unknownMetricsAndLabels(expr: string, registry: Registry, exported: string): string[] {
  const problems: string[] = [];
  const read = promqlSelectors(expr);
  for (const { family, labels } of read) {
    const names = labelNames(registry, family);
    if (names === undefined) {
      if (!new RegExp(`^# TYPE ${family} `, "m").test(exported)) problems.push(`no metric ${family}`);
      continue;
    }
    for (const label of labels) {
      if (!names.includes(label) && !SCRAPE_LABELS.includes(label))
        problems.push(`${family} has no label ${label}`);
    }
  }
  const all = new Set(read.flatMap(({ family }) => labelNames(registry, family) ?? []));
  for (const by of expr.matchAll(/\bby \(([^)]*)\)/g)) {
    for (const label of by[1]!.split(",").map((l) => l.trim())) {
      if (!all.has(label) && !SCRAPE_LABELS.includes(label)) problems.push(`by (${label}) matches no label`);
    }
  }
  return problems;
}
