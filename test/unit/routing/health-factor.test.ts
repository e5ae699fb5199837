import { describe, expect, it } from "vitest";
import {
  describeFigures,
  formatFactor,
  formatHundredths,
  healthFactor,
  MIN_HEALTH_FACTOR,
} from "../../../src/routing/health-factor.js";

const settings = { minSamples: 20, latencyTargetMs: 7500 };

describe("healthFactor", () => {
  it("is 1 below min_samples attempts, whatever the figures", () => {
    expect(healthFactor({ attempts: 19, delivered: 0, p50Ms: NaN }, settings)).toBe(1);
    expect(healthFactor({ attempts: 0, delivered: 0, p50Ms: NaN }, { ...settings, minSamples: 1 })).toBe(1);
  });

  it("is the delivered share when the median DLR latency is within the target", () => {
    expect(healthFactor({ attempts: 20, delivered: 20, p50Ms: 7500 }, settings)).toBe(1);
    expect(healthFactor({ attempts: 40, delivered: 30, p50Ms: 2000 }, settings)).toBe(0.75);
  });

  it("multiplies by target / median when receipts are slower than the target (the documented example)", () => {
    // docs/routing.md: 47 attempts, 19 delivered, p50 9.2 s, target 7.5 s → 0.40 × 0.82 = 0.33.
    const factor = healthFactor({ attempts: 47, delivered: 19, p50Ms: 9200 }, settings);
    expect(factor).toBeCloseTo((19 / 47) * (7500 / 9200), 10);
    expect(formatFactor(factor)).toBe("0.33");
    // Delivered every time, but at four times the target: a quarter.
    expect(healthFactor({ attempts: 20, delivered: 20, p50Ms: 30_000 }, settings)).toBe(0.25);
  });

  it("never goes below MIN_HEALTH_FACTOR", () => {
    expect(healthFactor({ attempts: 50, delivered: 0, p50Ms: NaN }, settings)).toBe(MIN_HEALTH_FACTOR);
    expect(MIN_HEALTH_FACTOR).toBeGreaterThan(0);
  });
});

describe("health texts", () => {
  it("shows a factor below 1 with two decimals, never as 0 or 1", () => {
    expect(formatFactor(0.35)).toBe("0.35");
    expect(formatFactor(0.01)).toBe("0.01");
    expect(formatFactor(0.001)).toBe("0.01");
    expect(formatFactor(0.999)).toBe("0.99");
    expect(formatFactor(0.5)).toBe("0.50");
    expect(formatFactor(1)).toBe("1");
  });

  it("describes the figures: delivered share, median DLR time, attempts", () => {
    expect(describeFigures({ attempts: 47, delivered: 19, p50Ms: 9240 })).toBe(
      "40 % delivered, p50 DLR 9.2 s over 47 attempts",
    );
    expect(describeFigures({ attempts: 20, delivered: 20, p50Ms: 12_000 })).toBe(
      "100 % delivered, p50 DLR 12 s over 20 attempts",
    );
    expect(describeFigures({ attempts: 30, delivered: 0, p50Ms: NaN })).toBe(
      "0 % delivered over 30 attempts",
    );
  });

  it("shows weight totals with at most two decimals", () => {
    expect(formatHundredths(27)).toBe("27");
    expect(formatHundredths(20.2)).toBe("20.2");
    expect(formatHundredths(61.75)).toBe("61.75");
    expect(formatHundredths(0.05)).toBe("0.05");
    expect(formatHundredths(1.999)).toBe("2");
  });
});
