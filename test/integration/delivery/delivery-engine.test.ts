import { describe, expect, it } from "vitest";
import type { MessageProcessor } from "../../../src/delivery/message-processor.js";
import { handsetKey } from "../../../src/delivery/submit-results.js";
import { ErrorCodes } from "../../../src/errors.js";
import { toHttpApiError } from "../../../src/north/http/error-mapping.js";
import { RedisOutcomeUnknownError } from "../../../src/redis/redis-batch.js";
import { deliveryHarness } from "../../helpers/delivery-harness.js";
import { waitUntil } from "../../helpers/wait.js";

const QUICK = { submitRespLatencyMs: { min: 1, max: 3 }, receiptLatencyMs: { min: 10, max: 30 } };
const NO_RECEIPTS = { ...QUICK, outcomeMix: { DELIVRD: 0, UNDELIV: 0, EXPIRED: 0, none: 1 } };

describe("delivery lifecycle against simulated carriers and real Redis", () => {
  it("reroutes to the next carrier when no DLR arrives within the DLR timeout, and notifies exactly once", async () => {
    const h = await deliveryHarness({
      carriers: [
        { id: "silent", sim: NO_RECEIPTS },
        { id: "good", sim: QUICK },
      ],
      // Long enough for the part to go out on a loaded machine (else it ends not_sent, withdrawn from the queue).
      dlrTimeoutMs: 1000,
    });
    await waitUntil(() => [...h.pools.values()].every((p) => p.boundCount === 1), 15_000, "the binds");
    const { message } = await h.engine.accept(h.newMessage(1));
    await waitUntil(() => h.notified.length >= 1, 15_000, "the final notification");
    const final = (await h.engine.get(message.id))!;
    expect(final.state).toBe("delivered");
    expect(final.attempts.map((a) => [a.carrier, a.outcome])).toEqual([
      ["silent", "unknown" === a0(final) ? "unknown" : "timeout"],
      ["good", "delivered"],
    ]);
    expect(h.sims.get("silent")!.received()).toHaveLength(1);
    expect(h.sims.get("good")!.received()).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.notified).toHaveLength(1);
    expect(await h.store.getText(message.id)).toBeNull(); // the body is gone with the final state
  });

  it("never notifies twice when an outbox sweep read the message before its hand-over took it out", async () => {
    const h = await deliveryHarness({ carriers: [{ id: "good", sim: QUICK }], dlrTimeoutMs: 2000 });
    await waitUntil(() => h.pools.get("good")!.boundCount === 1, 15_000, "the bind");
    const outboxKey = h.store.outboxKey;
    // The hand-over's removal from the outbox is slow (a busy Redis): sweeps see the message meanwhile…
    const outboxDone = h.store.outboxDone.bind(h.store);
    h.store.outboxDone = async (id) => {
      await new Promise((r) => setTimeout(r, 150));
      await outboxDone(id);
    };
    // …and a sweep that read it (its lease ran out meanwhile: a hand-over slower than the lease) answers only
    // once the hand-over is over: it then holds a stale list.
    const claimOutbox = h.store.claimOutbox.bind(h.store);
    let staleReads = 0;
    h.store.claimOutbox = async (limit) => {
      for (const id of await h.redis.client.smembers(outboxKey))
        await h.redis.client.del(`${outboxKey}:${id}`);
      const ids = await claimOutbox(limit);
      if (ids.length > 0) {
        staleReads++;
        await waitUntil(
          async () => (await h.redis.client.sismember(outboxKey, ids[0]!)) === 0,
          5000,
          "removal",
        );
      }
      return ids;
    };
    await h.engine.accept(h.newMessage(1));
    await waitUntil(() => h.notified.length >= 1, 15_000, "the final notification");
    await waitUntil(() => staleReads > 0, 5000, "a sweep reading the message before its removal");
    await new Promise((r) => setTimeout(r, 400));
    expect(h.notified).toHaveLength(1);
    expect(await h.redis.client.smembers(h.store.outboxKey)).toEqual([]);
  });

  it("does not read a message the outbox sweep finds while its notification is being handed over", async () => {
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const h = await deliveryHarness({
      carriers: [{ id: "good", sim: QUICK }],
      dlrTimeoutMs: 2000,
      beforeNotify: () => held, // a slow webhook: the message stays in the outbox meanwhile
    });
    await waitUntil(() => h.pools.get("good")!.boundCount === 1, 15_000, "the bind");
    const { message } = await h.engine.accept(h.newMessage(1));
    await waitUntil(
      async () => (await h.redis.client.smembers(h.store.outboxKey)).includes(message.id),
      15_000,
      "the final state",
    );
    let reads = 0;
    const get = h.store.get.bind(h.store);
    h.store.get = (id) => {
      if (id === message.id) reads++;
      return get(id);
    };
    await new Promise((r) => setTimeout(r, 300)); // ~15 sweeps (timer poll every 20 ms)
    expect(reads).toBe(0);
    release();
    await waitUntil(() => h.notified.length === 1, 5000, "the notification");
    await waitUntil(
      async () => (await h.redis.client.smembers(h.store.outboxKey)).length === 0,
      5000,
      "leaving the outbox",
    );
  });

  it("retries recording a carrier's acceptance that Redis refused, with backoff, until it is stored", async () => {
    // No receipt comes: only the retries can record the carrier's id.
    const h = await deliveryHarness({ carriers: [{ id: "silent", sim: NO_RECEIPTS }], dlrTimeoutMs: 20_000 });
    await waitUntil(() => h.pools.get("silent")!.boundCount === 1, 15_000, "the bind");
    const tries: number[] = [];
    const recordAccepted = h.store.recordAccepted.bind(h.store);
    h.store.recordAccepted = (...args) => {
      tries.push(Date.now());
      // The first two tries meet an unreachable Redis.
      return tries.length <= 2 ? Promise.reject(new Error("connection lost")) : recordAccepted(...args);
    };
    const { message } = await h.engine.accept(h.newMessage(1));
    await waitUntil(() => tries.length >= 3, 5000, "the retries (after 100 ms, then 200 ms)");
    await waitUntil(
      async () => (await h.store.get(message.id))?.message.attempts[0]?.carrierMessageIds[0] != null,
      5000,
      "the carrier's id in Redis",
    );
    expect(tries[1]! - tries[0]!).toBeGreaterThanOrEqual(90); // backoff, not a busy loop
    expect(tries).toHaveLength(3);
  });

  it("finalises a message that asked for no receipt without notifying and without an outbox entry", async () => {
    const h = await deliveryHarness({ carriers: [{ id: "good", sim: QUICK }], dlrTimeoutMs: 5000 });
    await waitUntil(() => h.pools.get("good")!.boundCount === 1, 15_000, "the bind");
    const { message } = await h.engine.accept(h.newMessage(1, { receiptVia: "none" }));
    const deadline = Date.now() + 15_000;
    while ((await h.engine.get(message.id))?.state !== "delivered") {
      if (Date.now() > deadline) throw new Error("never delivered");
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await h.redis.client.smembers(h.store.outboxKey)).toEqual([]);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.notified).toHaveLength(0);
  });

  it("moves on at once after a failed receipt, and ends undeliverable when every carrier failed", async () => {
    const failing = { ...QUICK, outcomeMix: { DELIVRD: 0, UNDELIV: 1, EXPIRED: 0, none: 0 } };
    const h = await deliveryHarness({
      carriers: [
        { id: "a", sim: failing },
        { id: "b", sim: failing },
      ],
      dlrTimeoutMs: 60_000,
    });
    await waitUntil(() => [...h.pools.values()].every((p) => p.boundCount === 1), 15_000, "the binds");
    const started = Date.now();
    const { message } = await h.engine.accept(h.newMessage(2));
    await waitUntil(() => h.notified.length >= 1, 15_000, "the final notification");
    expect(Date.now() - started).toBeLessThan(30_000); // did not wait for the 60 s DLR timeout
    const final = (await h.engine.get(message.id))!;
    expect(final).toMatchObject({ state: "undeliverable" });
    expect(final.finalReason).toContain("every carrier of route test tried");
    expect(final.attempts.map((a) => [a.carrier, a.outcome, a.receiptStat])).toEqual([
      ["a", "failed", "UNDELIV"],
      ["b", "failed", "UNDELIV"],
    ]);
  });

  it("finalises an OTP whose validity ends while its carriers are down as expired, and never submits it late", async () => {
    const h = await deliveryHarness({ carriers: [{ id: "down", sim: QUICK }], dlrTimeoutMs: 1000 });
    await waitUntil(() => h.pools.get("down")!.boundCount === 1, 15_000);
    h.sims.get("down")!.setOutage("drop-connections");
    await waitUntil(() => h.pools.get("down")!.boundCount === 0, 15_000);
    const { message } = await h.engine.accept(h.newMessage(3, { validitySeconds: 2 }));
    await waitUntil(() => h.notified.length >= 1, 15_000, "expiry");
    const final = (await h.engine.get(message.id))!;
    expect(final.state).toBe("expired");
    expect(final.attempts).toHaveLength(0);
    h.sims.get("down")!.setOutage("none");
    await waitUntil(() => h.pools.get("down")!.boundCount === 1, 15_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.sims.get("down")!.counters().submitsReceived).toBe(0);
  });

  it("delivers a multi-part message only when every part is delivered", async () => {
    const h = await deliveryHarness({ carriers: [{ id: "good", sim: QUICK }], dlrTimeoutMs: 5000 });
    await waitUntil(() => h.pools.get("good")!.boundCount === 1, 15_000);
    const text = "Your verification code is 482913. ".repeat(8);
    const { message } = await h.engine.accept(h.newMessage(4, { text, parts: 2 }));
    await waitUntil(() => h.notified.length >= 1, 15_000, "the final notification");
    const final = (await h.engine.get(message.id))!;
    expect(final.state).toBe("delivered");
    expect(final.attempts[0]!.partStatus).toEqual(["delivered", "delivered"]);
    expect(h.sims.get("good")!.received()[0]!.text).toBe(text);
  });

  it("passes the OTP's remaining validity to the carrier as a relative validity_period", async () => {
    const h = await deliveryHarness({ carriers: [{ id: "good", sim: QUICK }], dlrTimeoutMs: 5000 });
    await waitUntil(() => h.pools.get("good")!.boundCount === 1, 15_000);
    await h.engine.accept(h.newMessage(5, { validitySeconds: 120 }));
    await waitUntil(() => h.notified.length >= 1, 15_000, "the final notification");
    const validity = h.sims.get("good")!.received()[0]!.validityPeriod;
    expect(validity).toMatch(/^00000000(0[0-2])[0-5]\d000R$/);
    const seconds = Number(validity.slice(8, 10)) * 60 + Number(validity.slice(10, 12));
    expect(seconds).toBeGreaterThan(110);
    expect(seconds).toBeLessThanOrEqual(120);
  });

  it("maps a receipt read in the same chunk as its submit_sm_resp from memory, without asking Redis", async () => {
    // Receipts sent together with the answers, to a gateway kept busy by a burst: many reads then carry a
    // submit_sm_resp and its receipt, and the receipt is handled before the answer's outcome has run.
    const INSTANT = { submitRespLatencyMs: { min: 0, max: 0 }, receiptLatencyMs: { min: 0, max: 0 } };
    const h = await deliveryHarness({
      carriers: [{ id: "fast", sim: INSTANT, config: { windowSize: 100, throughputPerSecond: 10_000 } }],
      dlrTimeoutMs: 5000,
    });
    await waitUntil(() => h.pools.get("fast")!.boundCount === 1, 15_000, "the bind");
    let redisLookups = 0;
    const findByCarrierId = h.store.findByCarrierId.bind(h.store);
    h.store.findByCarrierId = (carrier, carrierMessageId) => {
      redisLookups++;
      return findByCarrierId(carrier, carrierMessageId);
    };
    const COUNT = 400;
    await Promise.all(Array.from({ length: COUNT }, (_, i) => h.engine.accept(h.newMessage(i))));
    await waitUntil(() => h.notified.length >= COUNT, 20_000, "every final notification");
    expect(h.notified.every((m) => m.state === "delivered")).toBe(true);
    expect(redisLookups).toBe(0);
  });

  it("a receipt found by handset lands on a part whose id was recorded meanwhile as its own, never on another's", async () => {
    const h = await deliveryHarness({ carriers: [{ id: "silent", sim: NO_RECEIPTS }], dlrTimeoutMs: 20_000 });
    await waitUntil(() => h.pools.get("silent")!.boundCount === 1, 15_000, "the bind");
    const { message } = await h.engine.accept(h.newMessage(1));
    let carrierId: string | null | undefined;
    await waitUntil(
      async () => {
        carrierId = (await h.store.get(message.id))?.message.attempts[0]?.carrierMessageIds[0];
        return typeof carrierId === "string";
      },
      5000,
      "the carrier's acceptance recorded",
    );
    // The handset correlation written with the attempt leads to this part, as it does for a receipt that came
    // (on another bind, say) before its submit_sm_resp was read and whose acceptance was recorded meanwhile.
    const target = await h.store.findByCarrierId("silent", handsetKey(message.to));
    expect(target).toEqual({ messageId: message.id, attempt: 1, part: 0 });
    const processor = (h.engine as unknown as { processor: MessageProcessor }).processor;
    const delivered = { stat: "DELIVRD", delivered: true, final: true };
    // Another carrier id (a receipt for an earlier message to the same handset): ignored.
    await processor.receiptByHandset(target!, "some-other-id", delivered);
    expect((await h.store.get(message.id))?.message.state).toBe("attempting");
    // Its own id: applied.
    await processor.receiptByHandset(target!, carrierId!, delivered);
    await waitUntil(() => h.notified.some((m) => m.id === message.id), 5000, "the final notification");
    expect(h.notified.find((m) => m.id === message.id)?.state).toBe("delivered");
  });

  it("a receipt found by handset never lands on a part this process submitted whose carrier has not answered yet, and does once its answer is lost", async () => {
    // The carrier answers submits after 5 s: meanwhile the part's id is unknown, and the handset's key leads to it.
    const slow = { ...NO_RECEIPTS, submitRespLatencyMs: { min: 5000, max: 5000 } };
    const h = await deliveryHarness({ carriers: [{ id: "slow", sim: slow }], dlrTimeoutMs: 20_000 });
    await waitUntil(() => h.pools.get("slow")!.boundCount === 1, 15_000, "the bind");
    const { message } = await h.engine.accept(h.newMessage(2));
    let target: Awaited<ReturnType<typeof h.store.findByCarrierId>> = null;
    await waitUntil(
      async () => (target = await h.store.findByCarrierId("slow", handsetKey(message.to))) !== null,
      5000,
      "the attempt stored",
    );
    expect((await h.store.get(message.id))?.message.attempts[0]?.carrierMessageIds[0]).toBeNull();
    const processor = (h.engine as unknown as { processor: MessageProcessor }).processor;
    // A receipt for an earlier message to the same handset, which a process that died had sent (its id never
    // recorded): it must not deliver this one.
    await processor.receiptByHandset(target!, "sent-by-the-dead-process", {
      stat: "DELIVRD",
      delivered: true,
      final: true,
    });
    const stored = (await h.store.get(message.id))?.message;
    expect(stored?.state).toBe("attempting");
    expect(stored?.attempts[0]?.partStatus).toEqual(["pending"]);

    // Once the carrier's answer is known lost (the link dropped: outcome unknown), no answer can come any more:
    // a receipt by handset is this part's, and delivers it.
    await processor.submitResult(message.id, 1, 0, { status: "unknown", error: "link dropped" }, "slow");
    await processor.receiptByHandset(target!, "its-own-id", {
      stat: "DELIVRD",
      delivered: true,
      final: true,
    });
    await waitUntil(() => h.notified.some((m) => m.id === message.id), 5000, "the final notification");
    expect(h.notified.find((m) => m.id === message.id)?.state).toBe("delivered");
  });

  it("a receipt found by handset lands on a part another instance submitted and has not recorded an answer for", async () => {
    // Two instances on one Redis. B submits (its carrier answers after 5 s, or B dies before recording the answer);
    // the carrier's receipt comes on A's bind. A has no such submit of its own outstanding: the receipt is the part's.
    const a = await deliveryHarness({ carriers: [{ id: "c", sim: NO_RECEIPTS }], dlrTimeoutMs: 20_000 });
    const slow = { ...NO_RECEIPTS, submitRespLatencyMs: { min: 5000, max: 5000 } };
    const b = await deliveryHarness({
      carriers: [{ id: "c", sim: slow }],
      dlrTimeoutMs: 20_000,
      redis: a.redis,
    });
    await waitUntil(() => b.pools.get("c")!.boundCount === 1, 15_000, "B's bind");
    const { message } = await b.engine.accept(b.newMessage(4));
    const target = await a.store.findByCarrierId("c", handsetKey(message.to));
    expect(target).toEqual({ messageId: message.id, attempt: 1, part: 0 });
    expect((await a.store.get(message.id))?.message.attempts[0]?.carrierMessageIds[0]).toBeNull();
    const processor = (a.engine as unknown as { processor: MessageProcessor }).processor;
    const applied = await processor.receiptByHandset(target!, "its-own-id", {
      stat: "DELIVRD",
      delivered: true,
      final: true,
    });
    expect(applied).toBe(true);
    expect((await a.store.get(message.id))?.message.state).toBe("delivered");
  });

  it("a receipt it could not record through repeated version conflicts is refused, so the carrier sends it again", async () => {
    const h = await deliveryHarness({ carriers: [{ id: "silent", sim: NO_RECEIPTS }], dlrTimeoutMs: 20_000 });
    await waitUntil(() => h.pools.get("silent")!.boundCount === 1, 15_000, "the bind");
    const { message } = await h.engine.accept(h.newMessage(3));
    await waitUntil(
      async () =>
        typeof (await h.store.get(message.id))?.message.attempts[0]?.carrierMessageIds[0] === "string",
      5000,
      "the carrier's acceptance recorded",
    );
    // Another instance wins every write of this message (each update finds another version).
    h.store.update = () => Promise.resolve(false);
    const processor = (h.engine as unknown as { processor: MessageProcessor }).processor;
    const recorded = processor.receipt(
      { messageId: message.id, attempt: 1, part: 0 },
      { stat: "DELIVRD", delivered: true, final: true },
    );
    await expect(recorded).rejects.toThrow(/gave up after \d+ version conflicts/);
  });

  it("drops the timer of a message whose document is gone, instead of claiming it again every lease", async () => {
    const h = await deliveryHarness({ carriers: [{ id: "silent", sim: NO_RECEIPTS }], dlrTimeoutMs: 20_000 });
    await waitUntil(() => h.pools.get("silent")!.boundCount === 1, 15_000, "the bind");
    const { message } = await h.engine.accept(h.newMessage(4));
    const timers = `${h.redis.prefix}timers`;
    await waitUntil(
      async () => (await h.redis.client.zscore(timers, message.id)) !== null,
      5000,
      "its timer",
    );
    // The document is deleted by hand (or evicted), then its timer comes due.
    await h.redis.client.del(`${h.redis.prefix}m:${message.id}`);
    await h.redis.client.zadd(timers, Date.now() - 1, message.id);
    await waitUntil(
      async () => (await h.redis.client.zscore(timers, message.id)) === null,
      5000,
      "the timer dropped",
    );
    // A message whose document exists keeps its timer through the same step.
    const { message: other } = await h.engine.accept(h.newMessage(5));
    await waitUntil(async () => (await h.redis.client.zscore(timers, other.id)) !== null, 5000, "its timer");
    expect(await h.store.dropOrphanTimer(other.id)).toBe(false);
    expect(await h.redis.client.zscore(timers, other.id)).not.toBeNull();
  });

  it("a repeat of a create refused because Redis's answer was lost takes the message over and it is delivered once", async () => {
    // No timer poll during the test: the withdrawal would otherwise race the repeat (both orders deliver once;
    // this test is about the repeat coming first).
    const h = await deliveryHarness({
      carriers: [{ id: "good", sim: QUICK }],
      dlrTimeoutMs: 5000,
      engine: { timerPollMs: 60_000 },
    });
    await waitUntil(() => h.pools.get("good")!.boundCount === 1, 15_000, "the bind");
    const create = h.store.create.bind(h.store);
    let loseAnswers = 1;
    h.store.create = async (...args) => {
      const result = await create(...args); // Redis ran it...
      if (loseAnswers-- > 0) throw new RedisOutcomeUnknownError(new Error("connection lost")); // ...the answer did not come
      return result;
    };
    const input = h.newMessage(7, { idempotencyKey: "otp-7" });
    const refused = await h.engine.accept(input).catch((error: Error) => error);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/outcome unknown/);
    const repeat = await h.engine.accept(input);
    expect(repeat.created).toBe(false);
    await waitUntil(() => h.notified.length > 0, 5000, "the final notification");
    await new Promise((r) => setTimeout(r, 300));
    expect(h.notified.map((m) => [m.id, m.state])).toEqual([[repeat.message.id, "delivered"]]);
    expect(h.sims.get("good")!.counters().messagesReceived).toBe(1);
  });

  it("fails a lookup with the store's error when Redis cannot answer (the API's 503, not a 500)", async () => {
    const h = await deliveryHarness({ carriers: [{ id: "good", sim: QUICK }], dlrTimeoutMs: 5000 });
    await waitUntil(() => h.pools.get("good")!.boundCount === 1, 15_000, "the bind");
    const { message } = await h.engine.accept(h.newMessage(8, { idempotencyKey: "otp-8" }));
    expect((await h.engine.get(message.id))?.id).toBe(message.id);
    h.redis.client.disconnect();
    await expect(h.engine.get(message.id)).rejects.toMatchObject({ code: ErrorCodes.DELIVERY_STORE });
    await expect(h.engine.getByIdempotencyKey("acme", "otp-8")).rejects.toMatchObject({
      code: ErrorCodes.DELIVERY_STORE,
    });
    expect(
      toHttpApiError(await h.engine.get(message.id).catch((e: unknown) => e), {
        saturatedRetryAfterSeconds: 1,
      }),
    ).toMatchObject({ status: 503, code: ErrorCodes.HTTP_UNAVAILABLE });
    await h.redis.client.connect(); // for the harness's clean-up
  });
});

function a0(m: { attempts: { outcome?: string }[] }): string | undefined {
  return m.attempts[0]?.outcome;
}
