import { describe, expect, it } from "vitest";
import {
  ACCOUNT_BASELINE_DELIVERIES,
  PumpingGuard,
  type PumpingEvidence,
  type PumpingGuardSpec,
} from "../../../src/ops/pumping-guard.js";

const SPEC: PumpingGuardSpec = {
  rangeDigits: 3,
  minDeliveries: 20,
  maxConversionRatio: 0.2,
  conversionWaitSeconds: 120,
  windowSeconds: 3600,
  blockSeconds: 3600,
};

/** A guard on a hand-turned clock, its conversions a set of ids, its blocks recorded. */
function setup(spec: PumpingGuardSpec | undefined = SPEC, blockedAlready = () => false, maxRanges?: number) {
  let now = Date.UTC(2026, 10, 23, 12, 0, 0);
  const converted = new Set<string>();
  const blocks: PumpingEvidence[] = [];
  let failReads = false;
  const guard = new PumpingGuard({
    spec: (account) => (account === "acme" ? spec : undefined),
    isConverted: (ids) =>
      failReads
        ? Promise.reject(new Error("redis down"))
        : Promise.resolve(ids.map((id) => converted.has(id))),
    blocked: blockedAlready,
    block: (evidence) => blocks.push(evidence),
    clock: () => now,
    ...(maxRanges !== undefined && { maxRanges }),
  });
  let n = 0;
  /** `count` deliveries to numbers of `range` (the number without its last three digits), `used` of them converted. */
  const deliver = (range: string, count: number, used: number) => {
    for (let i = 0; i < count; i++) {
      const id = `m${n++}`;
      guard.delivered(id, "acme", `${range}${String(i % 1000).padStart(3, "0")}`);
      if (i < used) converted.add(id);
    }
  };
  return {
    guard,
    blocks,
    deliver,
    advance: (ms: number) => (now += ms),
    failReads: (fail: boolean) => (failReads = fail),
  };
}

/** Normal traffic: ranges of five deliveries each, three of five codes used (60 %). */
function normalTraffic(deliver: (range: string, count: number, used: number) => void, deliveries: number) {
  for (let r = 0; r < deliveries / 5; r++) deliver(`+62812${String(r).padStart(5, "0")}`, 5, 3);
}

describe("the pumping guard", () => {
  it("blocks a range whose delivered codes are not used once it has min_deliveries judged, with the evidence, and counts it afresh", async () => {
    const { guard, blocks, deliver, advance } = setup();
    normalTraffic(deliver, 200);
    deliver("+62899999", 25, 0);
    // Nothing is judged before the wait is over: the people who will use their codes have not yet.
    advance(119_000);
    await guard.judge();
    expect(blocks).toEqual([]);
    expect(guard.sizes.waiting).toBe(225);
    advance(1_000);
    await guard.judge();
    expect(blocks).toEqual([
      {
        account: "acme",
        range: "+62899999",
        delivered: 25,
        converted: 0,
        accountShare: 120 / 225,
        blockSeconds: 3600,
      },
    ]);
    expect(guard.sizes.waiting).toBe(0);
    // Its count started again: more unused deliveries need min_deliveries anew before another block.
    deliver("+62899999", 19, 0);
    advance(120_000);
    await guard.judge();
    expect(blocks).toHaveLength(1);
    deliver("+62899999", 1, 0);
    advance(120_000);
    await guard.judge();
    expect(blocks).toHaveLength(2);
  });

  it("leaves alone a range that converts like the account, one under min_deliveries, and one that converts a little less", async () => {
    const { guard, blocks, deliver, advance } = setup();
    normalTraffic(deliver, 200);
    deliver("+62855555", 40, 24); // 60 %, like the rest
    deliver("+62866666", 19, 0); // one short of min_deliveries
    deliver("+62877777", 30, 5); // 17 %: above 0.2 × 60 % = 12 %
    advance(120_000);
    await guard.judge();
    expect(blocks).toEqual([]);
  });

  it("blocks nothing while the account's own share is no yardstick: too few deliveries judged, or no conversion at all", async () => {
    const few = setup();
    normalTraffic(few.deliver, ACCOUNT_BASELINE_DELIVERIES - 30);
    few.deliver("+62899999", 25, 0);
    few.advance(120_000);
    await few.guard.judge();
    expect(few.blocks).toEqual([]);

    const none = setup();
    none.deliver("+62811111", 200, 0); // an account that stopped reporting conversions
    none.deliver("+62899999", 25, 0);
    none.advance(120_000);
    await none.guard.judge();
    expect(none.blocks).toEqual([]);
  });

  it("judges a range that reached min_deliveries before its account had a yardstick once the account has one", async () => {
    const { guard, blocks, deliver, advance } = setup();
    // The pumped range first: judged while the account has 25 judged deliveries, none converted.
    deliver("+62899999", 25, 0);
    advance(120_000);
    await guard.judge();
    expect(blocks).toEqual([]);
    // Then the account's normal traffic: once it is judged, the waiting range is blocked without a new delivery.
    normalTraffic(deliver, 200);
    advance(120_000);
    await guard.judge();
    expect(blocks.map((b) => [b.range, b.delivered, b.converted])).toEqual([["+62899999", 25, 0]]);
  });

  it("counts only accounts with a guard, does not block a range blocked already, and judges again what a failed read left", async () => {
    const { guard, blocks, deliver, advance, failReads } = setup(SPEC, () => true);
    guard.delivered("x1", "globex", "+628123456789");
    expect(guard.sizes.waiting).toBe(0);
    normalTraffic(deliver, 200);
    deliver("+62899999", 25, 0);
    advance(120_000);
    failReads(true);
    await expect(guard.judge()).rejects.toThrow("redis down");
    expect(guard.sizes.waiting).toBe(225);
    failReads(false);
    await guard.judge();
    expect(guard.sizes.waiting).toBe(0);
    // Blocked already (by an operator, or this guard on another instance): not written again.
    expect(blocks).toEqual([]);
  });

  it("holds at most maxRanges ranges, forgetting quiet ones first, never the one being pumped", async () => {
    const { guard, blocks, deliver, advance } = setup(SPEC, () => false, 50);
    for (let wave = 0; wave < 25; wave++) {
      // Each wave: one pumped delivery, and twenty deliveries to ranges never seen again.
      deliver("+62899999", 1, 0);
      for (let r = 0; r < 20; r++) deliver(`+6281${String(wave * 20 + r).padStart(6, "0")}`, 1, 1);
      advance(5_000);
    }
    advance(120_000);
    await guard.judge();
    expect(guard.sizes.ranges).toBeLessThanOrEqual(50);
    expect(blocks.map((b) => b.range)).toEqual(["+62899999"]);
  });

  it("forgets the counts of a quiet window", async () => {
    const { guard, deliver, advance } = setup();
    normalTraffic(deliver, 50);
    advance(120_000);
    await guard.judge();
    expect(guard.sizes.ranges).toBe(10);
    advance(2 * 3_600_000);
    guard.prune();
    expect(guard.sizes.ranges).toBe(0);
  });

  describe("accounts with different conversion waits", () => {
    const FAST: PumpingGuardSpec = {
      ...SPEC,
      minDeliveries: 5,
      conversionWaitSeconds: 60,
      windowSeconds: 86_400,
    };
    const SLOW: PumpingGuardSpec = { ...FAST, conversionWaitSeconds: 3600 };

    /** Two accounts, their conversions marks in "Redis" that expire after the lifetime the guard asks for. */
    function twoAccounts() {
      let now = Date.UTC(2026, 10, 23, 12, 0, 0);
      const specs: Record<string, PumpingGuardSpec> = { fast: FAST, slow: SLOW };
      const marks = new Map<string, number>();
      const blocks: PumpingEvidence[] = [];
      const guard = new PumpingGuard({
        spec: (account) => specs[account],
        isConverted: (ids) => Promise.resolve(ids.map((id) => (marks.get(id) ?? 0) > now)),
        blocked: () => false,
        block: (evidence) => blocks.push(evidence),
        clock: () => now,
      });
      /** A delivery whose code is used at once (the mark lives as long as the guard says, as the service sets it). */
      const usedDelivery = (id: string, account: string, to: string) => {
        guard.delivered(id, account, to);
        marks.set(id, now + guard.markLifetimeMs(specs[account]!.conversionWaitSeconds));
      };
      /** Seconds pass, the guard judging every second as the service runs it. */
      const pass = async (seconds: number) => {
        for (let i = 0; i < seconds; i++) {
          now += 1000;
          await guard.judge();
        }
      };
      return { guard, specs, blocks, usedDelivery, pass };
    }

    it("judges a delivery when its own wait is over, though another account's with a longer wait came first", async () => {
      const { guard, pass } = twoAccounts();
      guard.delivered("s1", "slow", "+6281200000001");
      guard.delivered("f1", "fast", "+6281300000001");
      await pass(61);
      expect(guard.sizes.waiting).toBe(1);
      await pass(3600);
      expect(guard.sizes.waiting).toBe(0);
    });

    it("does not block a range whose codes were all used while a long-waiting account's delivery is pending (review repro)", async () => {
      const { blocks, usedDelivery, pass } = twoAccounts();
      for (let t = 0; t < 150; t++) {
        usedDelivery(`a${t}`, "fast", `+628121${String(1_000_000 + t * 7919).slice(0, 7)}`);
        await pass(1);
      }
      await pass(120);
      usedDelivery("s1", "slow", "+6281200000001");
      for (let t = 0; t < 10; t++) {
        usedDelivery(`r${t}`, "fast", `+6281355555${t}0`);
        await pass(1);
      }
      await pass(3700);
      expect(blocks).toEqual([]);
    });

    it("keeps a conversion mark as long as the longest wait a delivery is still held for, after a reload shortened it", async () => {
      const { guard, specs, blocks, usedDelivery, pass } = twoAccounts();
      for (let t = 0; t < 150; t++)
        usedDelivery(`a${t}`, "fast", `+628121${String(1_000_000 + t * 7919).slice(0, 7)}`);
      await pass(61);
      // Recorded with an hour's wait; accounts.yaml then reloaded with a minute: the marks must still be there.
      for (let t = 0; t < 10; t++) guard.delivered(`r${t}`, "slow", `+6281355555${t}0`);
      specs.slow = { ...SLOW, conversionWaitSeconds: 60 };
      for (let t = 0; t < 150; t++)
        usedDelivery(`b${t}`, "slow", `+628122${String(1_000_000 + t * 7919).slice(0, 7)}`);
      for (let t = 0; t < 10; t++) usedDelivery(`r${t}`, "slow", `+6281355555${t}0`);
      expect(guard.markLifetimeMs(60)).toBeGreaterThanOrEqual(3600_000);
      await pass(3700);
      expect(blocks).toEqual([]);
    });
  });
});
