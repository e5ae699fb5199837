import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { HotHistogram } from "../../../src/observability/hot-histogram.js";

const config = {
  name: "otpgw_test_seconds",
  help: "a test histogram",
  labelNames: ["carrier", "stat"] as const,
  buckets: [0.5, 1, 2.5, 10],
};

describe("HotHistogram", () => {
  it("exports exactly what prom-client's Histogram exports for the same observations", async () => {
    const plainRegistry = new Registry();
    const hotRegistry = new Registry();
    const plain = new Histogram({
      ...config,
      labelNames: [...config.labelNames],
      registers: [plainRegistry],
    });
    const hot = new HotHistogram({ ...config, labelNames: [...config.labelNames], registers: [hotRegistry] });
    const observations: [string, string, number][] = [
      ["tsel", "DELIVRD", 0.2],
      ["tsel", "DELIVRD", 0.5], // on a bound: counted in it
      ["tsel", "DELIVRD", 3],
      ["isat", "UNDELIV", 42], // above every bound: +Inf only
      ["tsel", "DELIVRD", 0.75],
      ["isat", "DELIVRD", 1],
    ];
    const cells = new Map<string, ReturnType<typeof hot.cell>>();
    for (const [carrier, stat, value] of observations) {
      plain.observe({ carrier, stat }, value);
      const key = `${carrier}/${stat}`;
      if (!cells.has(key)) cells.set(key, hot.cell({ carrier, stat }));
      cells.get(key)!.observe(value);
    }
    // Resolving a label set again gives the same cell.
    hot.cell({ carrier: "isat", stat: "DELIVRD" }).observe(1.5);
    plain.observe({ carrier: "isat", stat: "DELIVRD" }, 1.5);

    expect(await hotRegistry.metrics()).toBe(await plainRegistry.metrics());
    // The same values in the JSON form too (prom-client adds an empty exemplar field to its own; none are enabled).
    const withoutExemplars = async (registry: Registry) =>
      (await registry.getMetricsAsJSON()).map((m) => ({
        ...m,
        values: m.values.map(
          ({ labels, value, metricName }: { labels: object; value: number; metricName?: string }) => ({
            labels,
            value,
            metricName,
          }),
        ),
      }));
    expect(await withoutExemplars(hotRegistry)).toEqual(await withoutExemplars(plainRegistry));
    expect((await hotRegistry.metrics()).split("\n")).toContain(
      'otpgw_test_seconds_bucket{le="+Inf",carrier="isat",stat="UNDELIV"} 1',
    );
  });

  it("checks a label set when first seen, refuses values that are not numbers, and is emptied by reset", async () => {
    const hot = new HotHistogram({ ...config, labelNames: [...config.labelNames], registers: [] });
    expect(() => hot.cell({ carrier: "x", nope: "y" } as never)).toThrow(/nope/);
    expect(() => hot.cell({ carrier: "x", stat: "y" }).observe(Number.NaN)).toThrow(/not a valid number/);
    expect(() => hot.observe(1)).toThrow(/observe through cell/);
    hot.cell({ carrier: "x", stat: "y" }).observe(1);
    expect((await hot.get()).values).toHaveLength(config.buckets.length + 3);
    hot.reset();
    expect((await hot.get()).values).toEqual([]);
  });
});
