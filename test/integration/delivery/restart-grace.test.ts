import { describe, expect, it } from "vitest";
import { newMessage, startAttempt } from "../../../src/delivery/lifecycle.js";
import { deliveryHarness } from "../../helpers/delivery-harness.js";
import { waitUntil } from "../../helpers/wait.js";

const QUICK = { submitRespLatencyMs: { min: 1, max: 3 }, receiptLatencyMs: { min: 10, max: 30 } };

describe("start-up grace for attempts of an earlier process", () => {
  it("reroutes an attempt on a carrier that never binds in this process once the grace from the start has passed", async () => {
    const h = await deliveryHarness({
      carriers: [
        // The carrier refuses our bind (wrong password): it never binds in this process.
        { id: "down", sim: QUICK, config: { password: "wrong" } },
        { id: "good", sim: QUICK },
      ],
      dlrTimeoutMs: 5000,
      engine: { startupReceiptGraceMs: 500 },
    });
    await waitUntil(() => h.pools.get("good")!.boundCount === 1, 15_000, "the good bind");
    // Written by the process that died: attempt 1 on "down", its DLR deadline passed while we were down.
    const now = Date.now();
    const before = newMessage("m-restart", { ...h.newMessage(1), validitySeconds: 60 }, now - 10_000);
    const open = startAttempt(before, "down", 1, now - 10_000, 5_000);
    await h.store.create(open, "Your code is 100001", now);

    await waitUntil(() => h.notified.length >= 1, 5_000, "the message to be delivered by the bound carrier");
    const final = (await h.engine.get("m-restart"))!;
    expect(final.state).toBe("delivered");
    expect(final.attempts.map((a) => [a.carrier, a.outcome])).toEqual([
      ["down", "unknown"],
      ["good", "delivered"],
    ]);
    // The grace ended about startupReceiptGraceMs after the start, not at the OTP's expiry.
    expect(final.attempts[1]!.startedAt - now).toBeLessThan(3_000);
    expect(h.pools.get("down")!.boundCount).toBe(0);
    expect(h.sims.get("down")!.counters().submitsReceived).toBe(0);
    expect(
      h.sims
        .get("good")!
        .received()
        .map((m) => m.destination),
    ).toEqual(["62811" + "0000001"]);
  });
});
