import { describe, expect, it } from "vitest";
import { ClockOffset, MAX_DRIFT, SAMPLE_WINDOW_MS } from "../../../src/redis/clock-offset.js";

/** Redis's clock runs this far ahead of the local one in these tests. */
const TRUE_OFFSET = 5_000;

/** A round trip sent at local `sent`, with Redis reading its clock `requestMs` after (true time), answered `replyMs` later. */
function trip(estimator: ClockOffset, sent: number, requestMs: number, replyMs: number) {
  const redisAt = sent + requestMs + TRUE_OFFSET;
  return estimator.observe(sent, redisAt, sent + requestMs + replyMs, 0.001);
}

describe("ClockOffset (Redis's clock minus the local one, from round trips)", () => {
  it("takes the middle of the narrowest recent round trip, not the latest one", () => {
    const estimator = new ClockOffset();
    trip(estimator, 1_000, 0.2, 0.2); // quiet: 0.4 ms
    // Loaded: requests wait 18 ms on the way in, answers come straight back. The midpoint of each says 9 ms off.
    for (let i = 1; i <= 5; i++) trip(estimator, 1_000 + i * 1_000, 18, 0.5);
    const estimate = estimator.estimate(6_000)!;
    expect(Math.abs(estimate.offsetMs - TRUE_OFFSET)).toBeLessThan(0.5);
    expect(estimate.errorMs).toBeLessThan(1.5);
  });

  it("prefers a fresh sample to an old one of the same round trip (an old one widens with drift)", () => {
    const estimator = new ClockOffset();
    // Both 1 ms round trips; Redis read its clock 0.4 ms after the first one's middle, right in the second one's.
    estimator.observe(0, 0.5 + 0.4 + TRUE_OFFSET, 1, 0.001);
    expect(estimator.observe(20_000, 20_000.5 + TRUE_OFFSET, 20_001, 0.001).stepped).toBe(false);
    expect(estimator.estimate(20_001)!.offsetMs).toBeCloseTo(TRUE_OFFSET, 2);
  });

  it("forgets samples older than the window, however quiet", () => {
    const estimator = new ClockOffset();
    trip(estimator, 0, 0.1, 0.1);
    trip(estimator, SAMPLE_WINDOW_MS + 1_000, 10, 0.1);
    const estimate = estimator.estimate(SAMPLE_WINDOW_MS + 1_010)!;
    // Only the loaded sample is left: its middle, 5 ms off.
    expect(estimate.offsetMs - TRUE_OFFSET).toBeCloseTo(4.95, 1);
    expect(estimate.errorMs).toBeGreaterThan(5);
  });

  it("follows a stepped clock at once: samples that contradict the new one are dropped, and it says so", () => {
    const estimator = new ClockOffset();
    trip(estimator, 1_000, 0.2, 0.2);
    expect(trip(estimator, 2_000, 0.2, 0.2).stepped).toBe(false);
    // The local clock is stepped 2 minutes ahead (NTP): Redis's time now reads 120 s less against it.
    const stepped = estimator.observe(122_000, 122_000.2 + TRUE_OFFSET - 120_000, 122_000.4, 0.001);
    expect(stepped.stepped).toBe(true);
    expect(estimator.estimate(122_000.4)!.offsetMs).toBeCloseTo(TRUE_OFFSET - 120_000, 0);
  });

  it("keeps old samples that agree with a new one within their drift", () => {
    const estimator = new ClockOffset();
    trip(estimator, 0, 0.1, 0.1);
    // 20 s later the clocks have drifted apart by just under the most allowed.
    const drifted = 20_000 * MAX_DRIFT * 0.9;
    const observed = estimator.observe(20_000, 20_000 + 0.1 + TRUE_OFFSET + drifted + 0.2, 20_000.2, 0.001);
    expect(observed.stepped).toBe(false);
  });

  it("ignores a round trip answered before it was sent (the local clock went back meanwhile)", () => {
    const estimator = new ClockOffset();
    expect(estimator.observe(1_000, 7_000, 900, 0.001).stepped).toBe(false);
    expect(estimator.estimate(1_000)).toBeUndefined();
  });

  it("takes an NTP slew of 500 ppm over 30 s for no step: Redis's clock and the local one drift apart 15 ms", () => {
    const estimator = new ClockOffset();
    const slew = 500e-6;
    const stepped: boolean[] = [];
    for (let t = 0; t <= 30_000; t += 1_000) {
      const redisAt = t + 0.2 + TRUE_OFFSET + t * slew;
      stepped.push(estimator.observe(t, redisAt, t + 0.4, 0.001).stepped);
    }
    expect(stepped.every((s) => !s)).toBe(true);
    // It follows the slew: the estimate is the latest round trip's, within its drift since.
    expect(estimator.estimate(30_000.4)!.offsetMs - TRUE_OFFSET).toBeCloseTo(15, 0);
  });

  it("takes a jump of 200 ms between two round trips a second apart for a step", () => {
    const estimator = new ClockOffset();
    for (let t = 0; t <= 10_000; t += 1_000) trip(estimator, t, 0.2, 0.2);
    const jumped = estimator.observe(11_000, 11_000.2 + TRUE_OFFSET + 200, 11_000.4, 0.001);
    expect(jumped.stepped).toBe(true);
    expect(estimator.estimate(11_000.4)!.offsetMs).toBeCloseTo(TRUE_OFFSET + 200, 0);
  });
});
