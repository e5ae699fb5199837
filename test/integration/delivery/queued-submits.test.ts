import { describe, expect, it } from "vitest";
import { deliveryHarness } from "../../helpers/delivery-harness.js";
import { waitUntil } from "../../helpers/wait.js";

const QUICK = { submitRespLatencyMs: { min: 1, max: 3 }, receiptLatencyMs: { min: 10, max: 30 } };
/** Answers each submit after 400 ms; with a window of 1 our bind writes ~2.5 a second, whatever its TPS cap says. */
const SLOW = { submitRespLatencyMs: { min: 400, max: 400 }, receiptLatencyMs: { min: 10, max: 30 } };
/** Two carriers' attempts may overlap by the time bytes take to cross the loopback and the timer poll. */
const LOOPBACK_SLACK_MS = 100;

describe("submits held in a carrier's queue", () => {
  it("never go out after their attempt ended or the OTP expired: withdrawn at the DLR deadline, then rerouted", async () => {
    const h = await deliveryHarness({
      carriers: [
        { id: "slow", sim: SLOW, config: { windowSize: 1 } },
        { id: "fast", sim: QUICK },
      ],
      dlrTimeoutMs: 1000,
    });
    await waitUntil(() => [...h.pools.values()].every((p) => p.boundCount === 1), 15_000, "the binds");
    const accepted = await Promise.all(
      Array.from({ length: 8 }, (_, i) => h.engine.accept(h.newMessage(i, { validitySeconds: 3 }))),
    );
    await waitUntil(() => h.notified.length >= 8, 10_000, "every message final");
    // Long enough for every submit still held anywhere (8 × 400 ms at the slow carrier) to have gone out.
    await new Promise((r) => setTimeout(r, 1500));

    const finals = await Promise.all(accepted.map(({ message }) => h.engine.get(message.id)));
    const bySlow = h.sims.get("slow")!.received();
    const byFast = h.sims.get("fast")!.received();
    let withdrawn = 0;
    for (const final of finals) {
      const to = final!.to.slice(1);
      const atSlow = bySlow.filter((r) => r.destination === to);
      const atFast = byFast.filter((r) => r.destination === to);
      // Nothing reached a carrier after the OTP expired.
      for (const r of [...atSlow, ...atFast]) expect(r.receivedAt).toBeLessThanOrEqual(final!.expiresAt);
      // One attempt at a time: the slow carrier got it (if at all) before the attempt on the fast one began.
      const onFast = final!.attempts.find((a) => a.carrier === "fast");
      if (onFast) {
        for (const r of atSlow)
          expect(r.receivedAt).toBeLessThanOrEqual(onFast.startedAt + LOOPBACK_SLACK_MS);
      }
      expect(atSlow.length).toBeLessThanOrEqual(1);
      expect(atFast.length).toBeLessThanOrEqual(1);
      const first = final!.attempts[0]!;
      if (first.outcome === "not_sent") {
        withdrawn++;
        expect(first.partStatus).toEqual(["not_sent"]);
        expect(atSlow).toHaveLength(0);
      }
      expect(final!.state).toBe("delivered");
    }
    // The queue held most of them past the DLR deadline: those were taken back, not sent late.
    expect(withdrawn).toBeGreaterThanOrEqual(3);
  });
});

describe("admission", () => {
  it("refuses new messages while the only carrier's queue cannot drain within the DLR timeout", async () => {
    const h = await deliveryHarness({
      carriers: [{ id: "slow", sim: QUICK, config: { throughputPerSecond: 1 } }],
      dlrTimeoutMs: 2000,
      engine: { defaultDlrTimeoutMs: 2000 },
    });
    const pool = h.pools.get("slow")!;
    await waitUntil(() => pool.boundCount === 1, 15_000, "the bind");
    expect(h.engine.canAccept("+6281100000001", "ID")).toBe(true);
    // At one a second, the queue soon holds as much as an attempt's 2 s deadline lets it send.
    const held = Array.from({ length: 6 }, (_, i) =>
      h.engine.accept(h.newMessage(i, { validitySeconds: 30 })),
    );
    await Promise.all(held);
    await waitUntil(() => pool.queued >= 2, 2_000, "a queue");
    expect(pool.estimatedWaitMs()).toBeGreaterThanOrEqual(2000);
    expect(h.engine.canAccept("+6281100000001", "ID")).toBe(false);
  });
});
