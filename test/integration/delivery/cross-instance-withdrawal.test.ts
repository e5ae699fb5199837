import { describe, expect, it } from "vitest";
import { deliveryHarness } from "../../helpers/delivery-harness.js";
import { waitUntil } from "../../helpers/wait.js";

const QUICK = { submitRespLatencyMs: { min: 1, max: 3 }, receiptLatencyMs: { min: 10, max: 30 } };
const SILENT = {
  submitRespLatencyMs: { min: 1, max: 3 },
  outcomeMix: { DELIVRD: 0, UNDELIV: 0, EXPIRED: 0, none: 1 },
};

describe("an attempt ended on one instance while another still queues its parts", () => {
  it("withdraws the part still queued on the launching instance: nothing of the old attempt goes out after it ended", async () => {
    // Instance A launches a two-part SMS on carrier "slow" (one submit every 4 s): part 2 waits in A's queue.
    const a = await deliveryHarness({
      carriers: [
        { id: "slow", sim: SILENT, config: { throughputPerSecond: 0.25 } },
        { id: "fast", sim: QUICK },
      ],
      dlrTimeoutMs: 20_000,
    });
    const b = await deliveryHarness({
      redis: a.redis,
      carriers: [
        { id: "slow", sim: SILENT },
        { id: "fast", sim: QUICK },
      ],
      dlrTimeoutMs: 20_000,
    });
    for (const h of [a, b])
      await waitUntil(() => [...h.pools.values()].every((p) => p.boundCount === 1), 15_000, "binds up");
    const slowAtA = a.sims.get("slow")!;
    // The bucket starts full with one token: part 1 goes at once, part 2 waits about 4 s for the next — ample time for
    // instance B to end the attempt and for the notice to reach A, however loaded the machine.
    const text = "Your ACME code is 482913. ".repeat(8);
    const { message } = await a.engine.accept(a.newMessage(1, { text, parts: 2, validitySeconds: 120 }));
    const sentAt = Date.now();
    let part1Id: string | null = null;
    await waitUntil(
      async () => {
        part1Id = (await a.engine.get(message.id))?.attempts[0]?.carrierMessageIds[0] ?? null;
        return part1Id !== null;
      },
      5_000,
      "part 1 accepted",
    );
    expect(slowAtA.counters().submitsReceived).toBe(1);
    // Part 1's failed receipt comes on instance B's bind of the same carrier: B ends the attempt, starts the next.
    // (Given to B's engine through its status entry, which looks a carrier's id up in Redis as a receipt from its
    // bind would: B's own simulator cannot send a receipt for a submit that went to A's.)
    await b.engine.channelStatus("slow", {
      providerMessageId: part1Id!,
      stat: "UNDELIV",
      delivered: false,
      final: true,
      err: "001",
    });
    await waitUntil(
      async () => (await a.engine.get(message.id))?.state === "delivered",
      10_000,
      "delivered on fast",
    );
    // Past the 4 s the throughput cap held part 2 for: it would have gone out by now.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, sentAt + 5_000 - Date.now())));
    const final = (await a.engine.get(message.id))!;
    expect(final.attempts.map((x) => [x.carrier, x.outcome])).toEqual([
      ["slow", "failed"],
      ["fast", "delivered"],
    ]);
    expect(slowAtA.counters().submitsReceived).toBe(1);
    expect(a.pools.get("slow")!.status().queued).toBe(0);
  });
});
