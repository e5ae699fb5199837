import { describe, expect, it } from "vitest";
import { TokenBucket } from "../../../src/south/token-bucket.js";

function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("TokenBucket", () => {
  it("never allows more than rate + burst takes in any one-second interval", () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 200, clock: clock.now });
    const takesPerSecond: number[] = [];
    for (let second = 0; second < 5; second++) {
      let takes = 0;
      for (let ms = 0; ms < 1000; ms++) {
        while (bucket.tryTake()) takes++;
        clock.advance(1);
      }
      takesPerSecond.push(takes);
    }
    for (const takes of takesPerSecond) expect(takes).toBeLessThanOrEqual(200 + 4);
    // Saturated, it delivers the full rate.
    expect(takesPerSecond.slice(1).every((t) => t >= 199)).toBe(true);
  });

  it("starts with one token so a fresh bind does not open with a burst", () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 1000, clock: clock.now });
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    expect(bucket.msUntilAvailable()).toBe(1);
  });

  it("reports the wait until the next token and honours a lowered rate", () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, clock: clock.now });
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.msUntilAvailable()).toBe(100);
    bucket.setRate(2);
    clock.advance(100);
    expect(bucket.tryTake()).toBe(false);
    expect(bucket.msUntilAvailable()).toBeGreaterThan(300);
  });

  it("gives a refunded token back", () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, clock: clock.now });
    expect(bucket.tryTake()).toBe(true);
    bucket.refund();
    expect(bucket.tryTake()).toBe(true);
  });
});
