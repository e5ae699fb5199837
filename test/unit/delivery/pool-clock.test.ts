import { describe, expect, it } from "vitest";
import { fromPoolClock, toPoolClock } from "../../../src/delivery/pool-clock.js";
import { firstBoundAt } from "../../../src/delivery/startup-grace.js";
import { claimMarginMs } from "../../../src/delivery/timer-poller.js";

/** Delivery on Redis's clock; the carrier side on a host clock 5 s ahead of it. */
const clocks = { clock: () => 1_000_000, poolClock: () => 1_005_000 };

describe("times between delivery (Redis's clock) and the carrier pools (their own)", () => {
  it("a submit's not-after time keeps its distance from now on the pools' clock, not its number", () => {
    // 2 s from now on delivery's clock is 2 s from now on the pools': not already past, nor 5 s later.
    expect(toPoolClock(clocks, 1_002_000)).toBe(1_007_000);
    expect(fromPoolClock(clocks, 1_007_000)).toBe(1_002_000);
  });

  it("a carrier's first bind, stamped by its pool, is read on delivery's clock (the start-up grace counts from it)", () => {
    const pools = new Map([
      ["bound", { firstBoundAt: 1_004_000 }], // 1 s ago on the pools' clock
      ["never", { firstBoundAt: undefined }],
    ]);
    expect(firstBoundAt({ ...clocks, pools }, "bound")).toBe(999_000);
    expect(firstBoundAt({ ...clocks, pools }, "never")).toBeUndefined();
  });
});

describe("claims of due timers (timer-poller.ts)", () => {
  it("wait twice this instance's clock error past due (its own and a writer's like it), at most a second", () => {
    expect(claimMarginMs(0)).toBe(0);
    expect(claimMarginMs(0.4)).toBeCloseTo(0.8);
    expect(claimMarginMs(3_000)).toBe(1_000);
  });
});
