import { describe, expect, it } from "vitest";
import { backoffDelayMs } from "../../../src/south/backoff.js";

describe("backoffDelayMs", () => {
  it("grows exponentially from the minimum and is capped at the maximum", () => {
    const mid = () => 0.5;
    expect(backoffDelayMs(0, 1000, 60_000, mid)).toBe(750);
    expect(backoffDelayMs(1, 1000, 60_000, mid)).toBe(1500);
    expect(backoffDelayMs(3, 1000, 60_000, mid)).toBe(6000);
    expect(backoffDelayMs(20, 1000, 60_000, mid)).toBe(45_000);
    expect(backoffDelayMs(1000, 1000, 60_000, () => 1)).toBe(60_000);
  });

  it("jitters between half and all of the nominal delay", () => {
    expect(backoffDelayMs(2, 1000, 60_000, () => 0)).toBe(2000);
    expect(backoffDelayMs(2, 1000, 60_000, () => 0.999999)).toBe(4000);
  });
});
