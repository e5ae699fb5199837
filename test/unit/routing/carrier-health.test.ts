import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { Attempt, AttemptOutcome } from "../../../src/delivery/types.js";
import { CarrierHealth, type HealthRoute } from "../../../src/routing/carrier-health.js";

const health = {
  enabled: true,
  windowMs: 600_000,
  minSamples: 20,
  floorShare: 0.05,
  latencyTargetMs: 5000,
  conversionWaitMs: 120_000,
};
const route = (name: string, settings = health): HealthRoute => ({
  name,
  carriers: [
    { id: "good", weight: 1 },
    { id: "bad", weight: 1 },
  ],
  health: settings,
  dlrTimeoutMs: 30_000,
});
const ID = route("indonesia");
const KR = route("korea");

function ended(
  carrier: string,
  outcome: AttemptOutcome,
  at: number,
  tookMs = 1000,
  submitError?: string,
): Attempt {
  return {
    n: 1,
    channel: "sms",
    carrier,
    startedAt: at - tookMs,
    dlrDeadline: at - tookMs + 30_000,
    carrierMessageIds: ["x"],
    partStatus: ["accepted"],
    outcome,
    endedAt: at,
    ...(outcome === "delivered" && { receiptStat: "DELIVRD" }),
    ...(submitError !== undefined && { submitError }),
  };
}

function tracker() {
  const clock = { now: 1_000_000 };
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    {},
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { clock, lines, health: new CarrierHealth({ clock: () => clock.now, logger }) };
}

describe("CarrierHealth", () => {
  it("does not count a timeout whose DLR deadline the OTP's expiry cut short", () => {
    const { clock, health: h } = tracker();
    for (let i = 0; i < 20; i++) {
      // Started with 8 s of validity left: a deadline of 8 s instead of the route's 30 s.
      h.observe(ID, { ...ended("bad", "timeout", clock.now, 8000), dlrDeadline: clock.now });
    }
    expect(h.adjustment(ID)).toBeUndefined();
    for (let i = 0; i < 20; i++) h.observe(ID, ended("bad", "timeout", clock.now, 30_000));
    expect(h.adjustment(ID)?.factor("bad")).toBe(0.01);
  });

  it("keeps a carrier at factor 1 until min_samples attempts ended, then follows its delivered share", () => {
    const { clock, health: h } = tracker();
    for (let i = 0; i < 19; i++) h.observe(ID, ended("bad", i < 5 ? "delivered" : "failed", clock.now));
    // Every factor 1: no adjustment, the weights alone choose.
    expect(h.adjustment(ID)).toBeUndefined();
    h.observe(ID, ended("bad", "timeout", clock.now));
    // 5 delivered of 20 (14 failed receipts, 1 timeout).
    const adjust = h.adjustment(ID)!;
    expect(adjust.factor("bad")).toBe(0.25);
    // The median is read from 25 %-wide bins: 1 s reads as 1.1 s.
    expect(adjust.describe("bad")).toBe("25 % delivered, p50 DLR 1.1 s over 20 attempts");
    expect(adjust.factorText("bad")).toBe("0.25");
    expect(adjust.factor("good")).toBe(1);
    expect(adjust.floorShare).toBe(0.05);
    expect(adjust.floorText).toBe("5 %");
  });

  it("keeps each route's figures apart: a carrier may be bad for one country and good for another", () => {
    const { clock, health: h } = tracker();
    for (let i = 0; i < 20; i++) {
      h.observe(ID, ended("bad", "failed", clock.now));
      h.observe(KR, ended("bad", "delivered", clock.now));
    }
    expect(h.adjustment(ID)!.factor("bad")).toBe(0.01);
    expect(h.adjustment(KR)).toBeUndefined();
  });

  it("lowers the factor for receipts slower than the latency target", () => {
    const { clock, health: h } = tracker();
    for (let i = 0; i < 20; i++) h.observe(ID, ended("good", "delivered", clock.now, 10_000));
    const factor = h.adjustment(ID)!.factor("good");
    // target 5 s / median ~10 s (read from 25 %-wide bins).
    expect(factor).toBeGreaterThan(0.45);
    expect(factor).toBeLessThan(0.55);
  });

  it("does not blame a carrier for attempts of unknown outcome, not sent, or refused by otpgw itself", () => {
    const { clock, health: h } = tracker();
    for (let i = 0; i < 30; i++) {
      h.observe(ID, ended("bad", "unknown", clock.now));
      h.observe(ID, ended("bad", "not_sent", clock.now));
      h.observe(ID, ended("bad", "rejected", clock.now, 0, "OTPGW_ERR_SUBMIT_SENDER_NOT_ALLOWED"));
    }
    expect(h.adjustment(ID)).toBeUndefined();
    for (let i = 0; i < 20; i++) h.observe(ID, ended("bad", "rejected", clock.now, 0, "ESME_RINVDSTADR"));
    expect(h.adjustment(ID)!.factor("bad")).toBe(0.01);
  });

  it("computes the factor as attempts end, and reads no clock on a choice", () => {
    let reads = 0;
    const h = new CarrierHealth({ clock: () => ++reads });
    for (let i = 0; i < 20; i++) h.observe(ID, ended("bad", "failed", 1000));
    expect(h.adjustment(ID)!.factor("bad")).toBe(0.01);
    for (let i = 0; i < 80; i++) h.observe(ID, ended("bad", "delivered", 2000));
    expect(h.adjustment(ID)!.factor("bad")).toBe(0.8);
    expect(reads).toBe(0);
  });

  it("recovers to 1 once the bad attempts are older than the window, at the next ended attempt or scrape", () => {
    const { clock, health: h } = tracker();
    for (let i = 0; i < 40; i++) h.observe(ID, ended("bad", "timeout", clock.now));
    expect(h.adjustment(ID)!.factor("bad")).toBe(0.01);
    clock.now += health.windowMs;
    expect(h.readings([ID])).toContainEqual({ route: "indonesia", carrier: "bad", factor: 1 });
    expect(h.adjustment(ID)).toBeUndefined();
    // The same through an ended attempt, on another tracker.
    const other = tracker();
    for (let i = 0; i < 40; i++) other.health.observe(ID, ended("bad", "timeout", other.clock.now));
    other.health.observe(ID, ended("bad", "delivered", other.clock.now + health.windowMs));
    expect(other.health.adjustment(ID)).toBeUndefined();
  });

  it("counts an attempt a conversion report ended as delivered, without a receipt latency", () => {
    const { clock, health: h } = tracker();
    // Nine delivered after 9 s receipts (above the 5 s target), eleven ended by conversion reports after 60 s.
    for (let i = 0; i < 9; i++) h.observe(ID, ended("bad", "delivered", clock.now, 9000));
    for (let i = 0; i < 11; i++)
      h.observe(ID, { ...ended("bad", "delivered", clock.now, 60_000), receiptStat: "ENROUTE" });
    const adjust = h.adjustment(ID)!;
    // All 20 delivered; the median is the receipts' alone (~9 s, read from 25 %-wide bins), not 60 s.
    expect(adjust.describe("bad")).toMatch(/^100 % delivered, p50 DLR (8\.\d|9(\.\d)?) s over 20 attempts$/);
    expect(adjust.factor("bad")).toBeGreaterThan(0.5);
    const { health: onlyConverted } = tracker();
    for (let i = 0; i < 20; i++)
      onlyConverted.observe(ID, { ...ended("bad", "delivered", clock.now, 60_000), receiptStat: undefined });
    expect(onlyConverted.adjustment(ID)).toBeUndefined();
    expect(onlyConverted.readings([ID])).toContainEqual({ route: "indonesia", carrier: "bad", factor: 1 });
  });

  it("gives no adjustment and records nothing for a route with health off", () => {
    const { clock, health: h } = tracker();
    const off = route("off", { ...health, enabled: false });
    for (let i = 0; i < 40; i++) h.observe(off, ended("bad", "failed", clock.now));
    expect(h.adjustment(off)).toBeUndefined();
    expect(h.readings([off])).toEqual([]);
    expect(h.readings([route("off")])).toContainEqual({ route: "off", carrier: "bad", factor: 1 });
  });

  it("reads every carrier's factor for the gauge, on the routes with health on", () => {
    const { clock, health: h } = tracker();
    for (let i = 0; i < 20; i++) h.observe(ID, ended("bad", i < 10 ? "delivered" : "failed", clock.now));
    expect(h.readings([ID, route("off", { ...health, enabled: false })])).toEqual([
      { route: "indonesia", carrier: "good", factor: 1 },
      { route: "indonesia", carrier: "bad", factor: 0.5 },
    ]);
  });

  it("logs a carrier going below 0.5 and back, at most once a minute, without message data", () => {
    const { clock, lines, health: h } = tracker();
    for (let i = 0; i < 20; i++) h.observe(ID, ended("bad", i < 8 ? "delivered" : "failed", clock.now));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      route: "indonesia",
      carrier: "bad",
      factor: 0.4,
      attempts: 20,
      deliveredPercent: 40,
      p50DlrSeconds: 1.1,
      msg: "carrier health below 0.5 on the route: its share of the traffic is reduced",
    });
    // Back above within the minute: held until the minute is over, then logged once.
    for (let i = 0; i < 80; i++) h.observe(ID, ended("bad", "delivered", clock.now + 30_000));
    expect(lines).toHaveLength(1);
    clock.now += 60_000;
    h.readings([ID]);
    h.readings([ID]);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ carrier: "bad", factor: 0.88 });
    expect(lines[1]!.msg).toMatch(/^carrier health back/);
    expect(Object.keys(lines[1]!).sort()).toEqual([
      "attempts",
      "carrier",
      "deliveredPercent",
      "factor",
      "hostname",
      "level",
      "msg",
      "p50DlrSeconds",
      "pid",
      "route",
      "time",
    ]);
  });

  describe("conversions", () => {
    /** `delivered` deliveries by `carrier` at `at`, `converted` of them converted 30 s later. */
    function deliveries(h: CarrierHealth, carrier: string, at: number, delivered: number, converted: number) {
      for (let i = 0; i < delivered; i++) h.observeConversion(ID, carrier, at, false);
      for (let i = 0; i < converted; i++) h.observeConversion(ID, carrier, at, true);
    }

    it("lowers a carrier whose deliveries convert less than the route's best, once they have waited", () => {
      const { clock, health: h } = tracker();
      const at = clock.now;
      deliveries(h, "good", at, 40, 32);
      deliveries(h, "bad", at, 40, 8);
      // Not judged before the 2-minute wait is over (plus the rest of the delivery's minute).
      clock.now = at + 120_000;
      h.readings([ID]);
      expect(h.adjustment(ID)).toBeUndefined();
      clock.now = at + 181_000;
      expect(h.readings([ID])).toEqual([
        { route: "indonesia", carrier: "good", factor: 1, conversionShare: 0.8 },
        { route: "indonesia", carrier: "bad", factor: 0.25, conversionShare: 0.2 },
      ]);
      const adjust = h.adjustment(ID)!;
      expect(adjust.factorText("bad")).toBe("0.25");
      expect(adjust.describe("bad")).toBe("20 % of 40 deliveries converted (best 80 %)");
      // The DLR figures multiply: 10 of 20 attempts delivered halves it again.
      for (let i = 0; i < 20; i++) h.observe(ID, ended("bad", i < 10 ? "delivered" : "failed", clock.now));
      expect(adjust.factor("bad")).toBe(0.125);
      expect(adjust.describe("bad")).toBe(
        "50 % delivered, p50 DLR 1.1 s over 20 attempts, 20 % of 40 deliveries converted (best 80 %)",
      );
    });

    it("judges nothing below min_samples deliveries, or when no carrier converts at all", () => {
      const { clock, health: h } = tracker();
      const at = clock.now;
      deliveries(h, "good", at, 40, 32);
      deliveries(h, "bad", at, 19, 0);
      clock.now = at + 181_000;
      expect(h.readings([ID]).map((r) => r.factor)).toEqual([1, 1]);
      const { health: quiet } = tracker();
      deliveries(quiet, "good", at, 40, 0);
      deliveries(quiet, "bad", at, 40, 0);
      expect(quiet.readings([ID]).map((r) => r.factor)).toEqual([1, 1]);
    });

    it("keeps the figures of every route apart and ignores a route with health off", () => {
      const { clock, health: h } = tracker();
      const at = clock.now;
      deliveries(h, "good", at, 40, 40);
      deliveries(h, "bad", at, 40, 10);
      const off = route("off", { ...health, enabled: false });
      for (let i = 0; i < 40; i++) h.observeConversion(off, "bad", at, false);
      clock.now = at + 181_000;
      expect(h.readings([ID, KR, off])).toEqual([
        { route: "indonesia", carrier: "good", factor: 1, conversionShare: 1 },
        { route: "indonesia", carrier: "bad", factor: 0.25, conversionShare: 0.25 },
        { route: "korea", carrier: "good", factor: 1 },
        { route: "korea", carrier: "bad", factor: 1 },
      ]);
    });

    it("logs the conversion figures when they take a carrier below 0.5", () => {
      const { clock, lines, health: h } = tracker();
      const at = clock.now;
      deliveries(h, "good", at, 50, 45);
      deliveries(h, "bad", at, 50, 9);
      clock.now = at + 181_000;
      h.readings([ID]);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        carrier: "bad",
        factor: 0.2,
        conversionPercent: 18,
        bestConversionPercent: 90,
      });
    });

    it("reads the clock on a choice only for a route that counts conversions, at most once a second", () => {
      let reads = 0;
      let now = 1_000_000;
      const h = new CarrierHealth({ clock: () => (reads++, now) });
      for (let i = 0; i < 20; i++) h.observe(ID, ended("bad", "failed", now));
      h.readings([ID]);
      reads = 0;
      for (let i = 0; i < 100; i++) h.adjustment(ID);
      expect(reads).toBe(0);
      deliveries(h, "good", now, 40, 40);
      deliveries(h, "bad", now, 40, 4);
      now += 181_000;
      reads = 0;
      // A route that counts no conversions (korea) reads nothing; indonesia's next choice judges the matured ones.
      expect(h.adjustment(KR)).toBeUndefined();
      expect(reads).toBe(0);
      h.adjustment(ID);
      expect(reads).toBe(1);
      expect(h.adjustment(ID)!.describe("bad")).toMatch(/10 % of 40 deliveries converted \(best 100 %\)$/);
    });

    it("recovers as the bad deliveries leave the window", () => {
      const { clock, health: h } = tracker();
      const at = clock.now;
      deliveries(h, "good", at, 40, 32);
      deliveries(h, "bad", at, 40, 8);
      clock.now = at + 181_000;
      expect(h.readings([ID])[1]!.factor).toBe(0.25);
      // Ten minutes later the bad minute has left the judged window; fresh deliveries convert like the others.
      const later = at + 600_000;
      deliveries(h, "good", later, 40, 32);
      deliveries(h, "bad", later, 40, 32);
      clock.now = later + 181_000;
      expect(h.readings([ID])[1]!.factor).toBe(1);
    });
  });
});
