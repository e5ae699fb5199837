import { afterEach, describe, expect, it, vi } from "vitest";
import { LeaseTiming } from "../../../src/south/lease-timing.js";

afterEach(() => {
  vi.useRealTimers();
});

/** A lease timing on a clock the test moves (with the loss timer, under fake timers). */
function timing(leaseMs = 15_000) {
  vi.useFakeTimers();
  let now = 1_000;
  const losses: number[] = [];
  const lease = new LeaseTiming({ leaseMs, clock: () => now, onLoss: () => losses.push(now) });
  return {
    lease,
    losses,
    now: () => now,
    advance(ms: number) {
      now += ms;
      vi.advanceTimersByTime(ms);
    },
  };
}

describe("LeaseTiming", () => {
  it("lets the binds write from the first confirmed renewal until 3 s before the lease could expire", () => {
    const { lease, advance, now } = timing();
    expect(lease.mayWrite()).toBe(false);
    lease.renewed(now());
    advance(11_999);
    expect(lease.mayWrite()).toBe(true);
    advance(1);
    expect(lease.mayWrite()).toBe(false);
  });

  it("reports the loss 3 s before the lease could expire and leaves the binds 1 s more to close", () => {
    const { lease, advance, now, losses } = timing();
    const sentAt = now();
    lease.renewed(sentAt);
    advance(11_999);
    expect(losses).toEqual([]);
    advance(1);
    expect(losses).toEqual([sentAt + 12_000]);
    expect(lease.closeWithinMs()).toBe(1_000);
    expect(lease.sinceRenewalMs()).toBe(12_000);
  });

  it("counts from the latest renewal sent: a late confirmation of an earlier one does not shorten the lease", () => {
    const { lease, advance, now, losses } = timing();
    const first = now();
    advance(2_000);
    lease.renewed(now());
    lease.renewed(first);
    advance(11_000);
    expect(lease.mayWrite()).toBe(true);
    expect(losses).toEqual([]);
    lease.stop();
    advance(60_000);
    expect(losses).toEqual([]);
  });
});
