import { describe, expect, it } from "vitest";
import { HealthOutcome, HealthWindow } from "../../../src/routing/health-window.js";

/** The window's figures at `now`. */
function figures(window: HealthWindow, now: number) {
  return window.read(now, { attempts: 0, delivered: 0, p50Ms: NaN });
}

const MINUTE = 60_000;

describe("HealthWindow", () => {
  it("counts every ended attempt and the delivered ones apart", () => {
    const window = new HealthWindow(10 * MINUTE);
    window.record(HealthOutcome.Delivered, 2000, 1000);
    window.record(HealthOutcome.Failed, 0, 2000);
    window.record(HealthOutcome.Timeout, 0, 3000);
    window.record(HealthOutcome.Refused, 0, 4000);
    expect(figures(window, 5000)).toMatchObject({ attempts: 4, delivered: 1 });
  });

  it("forgets attempts once they are older than the window, a tenth of it at a time", () => {
    const window = new HealthWindow(10 * MINUTE);
    // Ten in the first minute, ten in the sixth.
    for (let i = 0; i < 10; i++) window.record(HealthOutcome.Failed, 0, 30_000);
    for (let i = 0; i < 10; i++) window.record(HealthOutcome.Delivered, 1000, 5 * MINUTE + 30_000);
    expect(figures(window, 9 * MINUTE).attempts).toBe(20);
    // At 10 min the first minute's bucket is reused for the eleventh: its attempts are gone.
    expect(figures(window, 10 * MINUTE + 1)).toMatchObject({ attempts: 10, delivered: 10 });
    expect(figures(window, 15 * MINUTE + 1)).toMatchObject({ attempts: 0, delivered: 0 });
    // Recording after a long silence starts from an empty window.
    window.record(HealthOutcome.Timeout, 0, 60 * MINUTE);
    expect(figures(window, 60 * MINUTE)).toMatchObject({ attempts: 1, delivered: 0 });
  });

  it("counts an attempt stamped before the newest bucket in the newest (a clock that steps back)", () => {
    const window = new HealthWindow(10 * MINUTE);
    window.record(HealthOutcome.Delivered, 1000, 5 * MINUTE);
    window.record(HealthOutcome.Failed, 0, 4 * MINUTE);
    expect(figures(window, 5 * MINUTE).attempts).toBe(2);
    expect(figures(window, 15 * MINUTE - 1).attempts).toBe(2);
    expect(figures(window, 15 * MINUTE).attempts).toBe(0);
  });

  it("gives the median DLR latency of the delivered attempts to within ~11 %", () => {
    const window = new HealthWindow(10 * MINUTE);
    // 1 s .. 19 s, one each: the median is 10 s.
    for (let s = 1; s <= 19; s++) window.record(HealthOutcome.Delivered, s * 1000, 1000);
    for (let i = 0; i < 5; i++) window.record(HealthOutcome.Failed, 0, 1000);
    const { p50Ms, delivered } = figures(window, 2000);
    expect(delivered).toBe(19);
    expect(p50Ms).toBeGreaterThan(10_000 * 0.89);
    expect(p50Ms).toBeLessThan(10_000 * 1.11);
  });

  it("reads medians below the first bin edge and beyond the last, and none without a delivery", () => {
    const fast = new HealthWindow(MINUTE);
    for (let i = 0; i < 4; i++) fast.record(HealthOutcome.Delivered, 100, 0);
    expect(figures(fast, 0).p50Ms).toBeLessThan(250);
    const slow = new HealthWindow(MINUTE);
    slow.record(HealthOutcome.Delivered, 86_400_000, 0);
    expect(figures(slow, 0).p50Ms).toBeGreaterThan(1.5 * 3600_000);
    const none = new HealthWindow(MINUTE);
    none.record(HealthOutcome.Timeout, 0, 0);
    expect(figures(none, 0).p50Ms).toBeNaN();
  });

  it("drops the latencies of expired buckets from the median", () => {
    const window = new HealthWindow(10 * MINUTE);
    for (let i = 0; i < 10; i++) window.record(HealthOutcome.Delivered, 20_000, 0);
    for (let i = 0; i < 3; i++) window.record(HealthOutcome.Delivered, 1000, 5 * MINUTE);
    expect(figures(window, 5 * MINUTE).p50Ms).toBeGreaterThan(17_000);
    expect(figures(window, 10 * MINUTE).p50Ms).toBeLessThan(1200);
  });
});
