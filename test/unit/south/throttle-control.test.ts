import { describe, expect, it } from "vitest";
import { ThrottleControl } from "../../../src/south/throttle-control.js";

describe("ThrottleControl", () => {
  it("halves the rate on a throttle answer, once per cooldown however many arrive", () => {
    let now = 0;
    const control = new ThrottleControl({ maxRatePerSecond: 200, clock: () => now });
    expect(control.currentRate()).toBe(200);
    for (let i = 0; i < 50; i++) control.onThrottled();
    expect(control.currentRate()).toBe(100);
    now += 1000;
    control.onThrottled();
    expect(control.currentRate()).toBe(50);
    expect(control.throttled).toBe(51);
  });

  it("pauses briefly after a throttle answer", () => {
    let now = 0;
    const control = new ThrottleControl({ maxRatePerSecond: 100, clock: () => now, pauseMs: 100 });
    control.onThrottled();
    expect(control.pauseRemainingMs()).toBe(100);
    now += 60;
    expect(control.pauseRemainingMs()).toBe(40);
    now += 60;
    expect(control.pauseRemainingMs()).toBe(0);
  });

  it("recovers linearly to the cap when the carrier stops throttling, never beyond it", () => {
    let now = 0;
    const control = new ThrottleControl({ maxRatePerSecond: 100, clock: () => now, recoveryPerSecond: 0.1 });
    control.onThrottled();
    expect(control.currentRate()).toBe(50);
    now += 1000; // cooldown passes
    control.currentRate();
    now += 2000;
    expect(control.currentRate()).toBeCloseTo(70, 5);
    now += 60_000;
    expect(control.currentRate()).toBe(100);
  });

  it("never drops below the floor", () => {
    let now = 0;
    const control = new ThrottleControl({ maxRatePerSecond: 8, clock: () => now, minRatePerSecond: 1 });
    for (let i = 0; i < 10; i++) {
      control.onThrottled();
      now += 1000;
    }
    expect(control.currentRate()).toBeGreaterThanOrEqual(1);
    expect(control.currentRate()).toBeLessThan(2);
  });
});
