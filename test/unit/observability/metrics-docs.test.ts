import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createMetrics } from "../../../src/observability/metrics.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const read = (path: string): string => readFileSync(`${root}/${path}`, "utf8");
/** Metric names in backticks or a PromQL expression (not a `system_id: otpgw_…` in an example). */
const named = (text: string): Set<string> =>
  new Set(
    [...text.matchAll(/(?<![:\w] ?)\b(otpgw_[a-z0-9_]+?)(?:_bucket|_count|_sum)?\b/g)].map((m) => m[1]!),
  );

describe("the metrics and their documentation", () => {
  it("the README's operations section names every metric otpgw exports, and the docs name none it does not", async () => {
    const exported = (await createMetrics().registry.getMetricsAsJSON()).map((m) => m.name);
    const readme = read("README.md");
    const operations = readme.slice(readme.indexOf("## Operations"), readme.indexOf("## Error codes"));
    const inOperations = named(operations);
    expect(exported.filter((name) => !inOperations.has(name))).toEqual([]);

    // Node's process metrics (prom-client's defaults) are named by their prefix only.
    const docs = [
      readme,
      ...readdirSync(`${root}/docs`)
        .filter((f) => f.endsWith(".md"))
        .map((f) => read(`docs/${f}`)),
    ];
    const unknown = [...named(docs.join("\n"))].filter(
      (name) => !exported.includes(name) && !name.startsWith("otpgw_process_") && name !== "otpgw_",
    );
    expect(unknown).toEqual([]);
  });
});
