import { describe, expect, it } from "vitest";
import { deliveryHarness } from "../../helpers/delivery-harness.js";
import { waitUntil } from "../../helpers/wait.js";

describe("delivery's deferred writes (RedisBatch.defer)", () => {
  it("a receipt queued behind its message's deferred acceptance sends that write at once instead of waiting out its ride", async () => {
    const h = await deliveryHarness({
      carriers: [
        {
          id: "c1",
          sim: { submitRespLatencyMs: { min: 1, max: 3 }, receiptLatencyMs: { min: 300, max: 400 } },
        },
      ],
      dlrTimeoutMs: 30_000,
      // A deferred write waits up to 10 s for a ride, and no timer poll comes along to give it one.
      deferMs: 10_000,
      engine: { timerPollMs: 60_000 },
    });
    await waitUntil(() => h.pools.get("c1")!.boundCount === 1, 15_000, "the bind");
    const started = Date.now();
    const { message } = await h.engine.accept(h.newMessage(1));
    const doc = `${h.redis.prefix}m:${message.id}`;
    // The carrier's acceptance is deferred; the receipt (~0.3 s later) queues behind it and hurries it.
    await waitUntil(async () => (await h.redis.client.hget(doc, "a:1:0")) !== null, 5_000, "the acceptance");
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(h.sims.get("c1")!.received()).toHaveLength(1);
    // The receipt's final state is deferred in turn (nothing queues behind it): released here.
    h.store.hurry();
    await waitUntil(() => h.notified.length === 1, 5_000, "the final state");
    expect(h.notified[0]!.state).toBe("delivered");
  });
});
