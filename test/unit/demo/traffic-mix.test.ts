import { describe, expect, it } from "vitest";
import { buildTrafficMix } from "../../../scripts/demo/traffic-mix.js";
import { parseDestination } from "../../../src/routing/numbering.js";

describe("the demo's traffic mix", () => {
  it("gives up to 5,000 valid numbers (--messages up to 5,000), never one twice and at most two in a range of 1,000", () => {
    const otps = buildTrafficMix(5000);
    expect(otps.filter((o) => !parseDestination(o.to).ok).map((o) => o.to)).toEqual([]);
    expect(new Set(otps.map((o) => o.to)).size).toBe(5000);
    const perRange = new Map<string, number>();
    for (const o of otps) perRange.set(o.to.slice(0, -3), (perRange.get(o.to.slice(0, -3)) ?? 0) + 1);
    expect(Math.max(...perRange.values())).toBeLessThanOrEqual(2);
  });
});
