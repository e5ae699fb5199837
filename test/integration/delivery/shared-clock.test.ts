import { describe, expect, it, onTestFinished } from "vitest";
import { RedisClock } from "../../../src/redis/redis-clock.js";
import { deliveryHarness } from "../../helpers/delivery-harness.js";
import { testRedis } from "../../helpers/redis.js";
import { waitUntil } from "../../helpers/wait.js";

const QUICK = { submitRespLatencyMs: { min: 1, max: 3 }, receiptLatencyMs: { min: 10, max: 30 } };
const SILENT = { ...QUICK, outcomeMix: { DELIVRD: 0, UNDELIV: 0, EXPIRED: 0, none: 1 } };
const DLR_TIMEOUT_MS = 1_500;

/** Delivery's clock as the gateway builds it: Redis's time over `local`. */
async function redisClock(redis: Awaited<ReturnType<typeof testRedis>>, local: () => number) {
  const clock = new RedisClock({ redis: redis.client, local, wall: local });
  await clock.start();
  onTestFinished(() => clock.close());
  return clock;
}

/** When each carrier's simulator took the message to `to` (ms since the epoch). */
function takenAt(h: Awaited<ReturnType<typeof deliveryHarness>>, carrier: string, to: string) {
  return h.sims
    .get(carrier)!
    .received()
    .find((m) => m.destination.replace(/^\+/, "") === to.slice(1))?.receivedAt;
}

describe("delivery on Redis's clock, with instances whose local clocks differ", () => {
  it("an engine whose host runs 5 s ahead does not take another's DLR deadline early: the next attempt waits for the timeout", async () => {
    const redis = await testRedis();
    const carriers = [
      { id: "silent", sim: SILENT },
      { id: "good", sim: QUICK },
    ];
    const right = await redisClock(redis, Date.now);
    const ahead = await redisClock(redis, () => Date.now() + 5_000);
    // The writer: its timers are the ones the other instance could take.
    const writer = await deliveryHarness({
      carriers,
      dlrTimeoutMs: DLR_TIMEOUT_MS,
      redis,
      clock: () => right.now(),
      clockErrorMs: () => right.errorMs(),
    });
    // Only the instance 5 s ahead has the second carrier: the second attempt can only start there.
    const taker = await deliveryHarness({
      carriers: [{ id: "good", sim: QUICK }],
      dlrTimeoutMs: DLR_TIMEOUT_MS,
      redis,
      clock: () => ahead.now(),
      clockErrorMs: () => ahead.errorMs(),
    });
    await writer.pools.get("good")!.close(500); // the writer's own bind of it down: its attempts go through `taker`
    await waitUntil(
      () => writer.pools.get("silent")!.boundCount === 1 && taker.pools.get("good")!.boundCount === 1,
      15_000,
      "the binds",
    );
    // Past the start-up grace of both engines (500 ms from a carrier's first bind).
    await new Promise((r) => setTimeout(r, 700));
    const message = writer.newMessage(1);
    const { message: accepted } = await writer.engine.accept(message);
    await waitUntil(() => takenAt(taker, "good", message.to) !== undefined, 10_000, "the second attempt");
    const first = takenAt(writer, "silent", message.to)!;
    expect(first).toBeDefined();
    // On its own clock the taker would have started it at once (its clock read the deadline 5 s past).
    expect(takenAt(taker, "good", message.to)! - first).toBeGreaterThanOrEqual(DLR_TIMEOUT_MS - 300);
    await waitUntil(
      async () => (await writer.engine.get(accepted.id))?.state === "delivered",
      5_000,
      "delivered",
    );
  });
});
