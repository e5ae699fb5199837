import { afterEach, describe, expect, it, vi } from "vitest";
import { LOOKUP_FLOOR_PER_SECOND, LookupLimiter } from "../../../src/north/accounts/lookup-limit.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("lookups per account and second", () => {
  it("allows an account its rate_per_second of lookups, then says how long until the budget refills", async () => {
    const limiter = new LookupLimiter();
    const acme = { id: "acme", ratePerSecond: 50 };
    const answers = await Promise.all(Array.from({ length: 60 }, () => limiter.take(acme)));
    expect(answers.filter((a) => a === undefined)).toHaveLength(50);
    const waits = answers.filter((a) => a !== undefined);
    expect(waits).toHaveLength(10);
    for (const ms of waits) {
      expect(ms).toBeGreaterThan(0);
      expect(ms).toBeLessThanOrEqual(1000);
    }
    // Another account's budget is its own.
    expect(await limiter.take({ id: "beta", ratePerSecond: 50 })).toBeUndefined();
  });

  it("gives an account with a tiny submit rate at least the floor", async () => {
    const limiter = new LookupLimiter();
    const slow = { id: "slow", ratePerSecond: 1 };
    expect(LookupLimiter.perSecond(slow)).toBe(LOOKUP_FLOOR_PER_SECOND);
    const answers = await Promise.all(
      Array.from({ length: LOOKUP_FLOOR_PER_SECOND + 1 }, () => limiter.take(slow)),
    );
    expect(answers.filter((a) => a === undefined)).toHaveLength(LOOKUP_FLOOR_PER_SECOND);
  });

  it("says at most a second until the budget refills when the wall clock stepped back an hour", async () => {
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
    const limiter = new LookupLimiter();
    const acme = { id: "acme", ratePerSecond: 10 };
    for (let i = 0; i < 10; i++) expect(await limiter.take(acme)).toBeUndefined();
    vi.setSystemTime(Date.now() - 3_600_000);
    const wait = await limiter.take(acme);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(1000);
    // And the budget does refill within it.
    await new Promise((r) => setTimeout(r, 1100));
    expect(await limiter.take(acme)).toBeUndefined();
  });
});
