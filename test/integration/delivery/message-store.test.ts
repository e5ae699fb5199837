import { describe, expect, it } from "vitest";
import { RateLimitedError } from "../../../src/delivery/create-limits.js";
import { MessageStore } from "../../../src/delivery/message-store.js";
import { rateLimitKey } from "../../../src/north/accounts/rate-limit.js";
import type { Message } from "../../../src/delivery/types.js";
import { testMessage } from "../../helpers/message.js";
import { testRedis } from "../../helpers/redis.js";

const RETENTION = { bodyMs: 0, messageMs: 60_000, idempotencyMs: 60_000, correlationMs: 60_000 };

const message = (id: string): Message => testMessage(id);

async function setup() {
  const { client, prefix } = await testRedis();
  return { client, prefix, store: new MessageStore({ redis: client, prefix, retention: RETENTION }) };
}

describe("message store (real Redis)", () => {
  it("persists a message with its text, timer and active entry in one step", async () => {
    const { client, prefix, store } = await setup();
    expect(await store.create(message("a"), "code 123456", 1000)).toEqual({ id: "a", created: true });
    expect(await store.get("a")).toEqual({ message: message("a"), version: 1 });
    expect(await store.getText("a")).toBe("code 123456");
    expect(await client.zscore(`${prefix}timers`, "a")).toBe("1000");
    expect(await store.activeCount()).toBe(1);
  });

  it("creates one message for an idempotency key, even under 20 concurrent creates", async () => {
    const { store } = await setup();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.create(message(`m${i}`), "x", 1000, { idempotencyKey: "key-1" }),
      ),
    );
    const created = results.filter((r) => r.created);
    expect(created).toHaveLength(1);
    expect(new Set(results.map((r) => r.id))).toEqual(new Set([created[0]!.id]));
    // Another account may use the same key.
    expect(
      (await store.create({ ...message("other"), account: "globex" }, "x", 1000, { idempotencyKey: "key-1" }))
        .created,
    ).toBe(true);
    // The key leads back to each account's own message (query_sm finds a reassembled set's message this way).
    expect(await store.findByIdempotencyKey("acme", "key-1")).toBe(created[0]!.id);
    expect(await store.findByIdempotencyKey("globex", "key-1")).toBe("other");
    expect(await store.findByIdempotencyKey("acme", "key-2")).toBeNull();
  });

  it("applies an update only on the version it was computed from", async () => {
    const { store } = await setup();
    await store.create(message("a"), "x", 1000);
    const changed = { ...message("a"), state: "attempting" as const };
    expect(await store.update(1, { message: changed, timerAt: 5000, final: false })).toBe(true);
    expect(await store.update(1, { message: message("a"), timerAt: 5000, final: false })).toBe(false);
    expect(await store.get("a")).toEqual({ message: changed, version: 2 });
  });

  it("on the final state removes the timer and the active entry, queues the notification and drops the text", async () => {
    const { client, prefix, store } = await setup();
    await store.create(message("a"), "secret text", 1000);
    const final = { ...message("a"), state: "delivered" as const };
    expect(await store.update(1, { message: final, timerAt: null, final: true })).toBe(true);
    expect(await store.getText("a")).toBeNull();
    expect(await client.zscore(`${prefix}timers`, "a")).toBeNull();
    expect(await store.activeCount()).toBe(0);
    expect(await client.smembers(store.outboxKey)).toEqual(["a"]);
    expect(await client.pttl(`${prefix}m:a`)).toBeGreaterThan(50_000);
    // Leased to this instance, which hands it over now: another instance's sweep leaves it alone.
    expect(await client.pttl(`${store.outboxKey}:a`)).toBeGreaterThan(20_000);
    const other = new MessageStore({ redis: client, prefix, retention: RETENTION });
    expect(await other.claimOutbox(10)).toEqual([]);
    await store.outboxDone("a");
    expect(await client.smembers(store.outboxKey)).toEqual([]);
  });

  it("lets one sweep at a time take a message of the outbox whose lease ran out or was given up", async () => {
    const { client, prefix, store } = await setup();
    const other = new MessageStore({ redis: client, prefix, retention: RETENTION }); // another instance
    await store.create(message("a"), "x", 1000);
    await store.update(1, {
      message: { ...message("a"), state: "delivered" as const },
      timerAt: null,
      final: true,
    });
    await store.outboxRelease("a"); // its hand-over failed
    const [mine, theirs] = await Promise.all([store.claimOutbox(10), other.claimOutbox(10)]);
    expect([...mine, ...theirs]).toEqual(["a"]); // one of the two instances, not both
    const [winner, loser] = mine.length > 0 ? [store, other] : [other, store];
    expect(await loser.claimOutbox(10)).toEqual([]);
    expect(await winner.claimOutbox(10)).toEqual(["a"]); // its own lease (it keeps its hand-overs apart itself)
    await loser.outboxRelease("a"); // not its lease: nothing given up
    expect(await loser.claimOutbox(10)).toEqual([]);
    await client.del(`${store.outboxKey}:a`); // the lease ran out (its instance died mid-hand-over)
    expect(await loser.claimOutbox(10)).toEqual(["a"]);
  });

  it("keeps the text in the document while in flight and moves it to its own key to expire with a body retention", async () => {
    const { client, prefix } = await setup();
    const store = new MessageStore({ redis: client, prefix, retention: { ...RETENTION, bodyMs: 30_000 } });
    await store.create(message("a"), "code 654321", 1000);
    expect(await client.hget(`${prefix}m:a`, "t")).toBe("code 654321");
    expect(await client.exists(`${prefix}t:a`)).toBe(0);
    await store.update(1, { message: { ...message("a"), state: "delivered" }, timerAt: null, final: true });
    expect(await client.hexists(`${prefix}m:a`, "t")).toBe(0);
    expect(await store.getText("a")).toBe("code 654321");
    const ttl = await client.pttl(`${prefix}t:a`);
    expect(ttl).toBeGreaterThan(20_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it("reads and drops the text key of a message stored by an earlier version", async () => {
    const { client, prefix, store } = await setup();
    await store.create(message("a"), "old layout", 1000);
    await client.hdel(`${prefix}m:a`, "t");
    await client.set(`${prefix}t:a`, "old layout");
    expect(await store.getText("a")).toBe("old layout");
    await store.update(1, { message: { ...message("a"), state: "delivered" }, timerAt: null, final: true });
    expect(await client.exists(`${prefix}t:a`)).toBe(0);
    expect(await store.getText("a")).toBeNull();
  });

  it("queues a final message's notification items in the same step instead of the outbox", async () => {
    const { client, prefix, store } = await setup();
    const list = `${prefix}receipts:esme`;
    await store.create(message("a"), "x", 1000);
    await store.create(message("b"), "x", 1000);
    await store.create(message("c"), "x", 1000);
    const final = (id: string) => ({ ...message(id), state: "delivered" as const });
    const handOver = { list, ttlMs: 45_000, maxLength: 2 };
    expect(
      await store.update(1, {
        message: final("a"),
        timerAt: null,
        final: true,
        handOver: { ...handOver, items: ["a1"] },
      }),
    ).toBe(true);
    expect(
      await store.update(1, {
        message: final("b"),
        timerAt: null,
        final: true,
        handOver: { ...handOver, items: ["b1", "b2"] },
      }),
    ).toBe(true);
    // Nothing to notify: neither queued nor in the outbox.
    expect(
      await store.update(1, {
        message: final("c"),
        timerAt: null,
        final: true,
        handOver: { ...handOver, items: [] },
      }),
    ).toBe(true);
    expect(await client.smembers(store.outboxKey)).toEqual([]);
    // Bounded: the oldest item is trimmed beyond maxLength.
    expect(await client.lrange(list, 0, -1)).toEqual(["b1", "b2"]);
    expect(await client.pttl(list)).toBeGreaterThan(40_000);
    expect(await store.activeCount()).toBe(0);
    // A version conflict applies nothing, hand-over included.
    await store.create(message("d"), "x", 1000);
    expect(
      await store.update(7, {
        message: final("d"),
        timerAt: null,
        final: true,
        handOver: { ...handOver, items: ["d1"] },
      }),
    ).toBe(false);
    expect(await client.lrange(list, 0, -1)).toEqual(["b1", "b2"]);
  });

  it("leaves a busy list's expiry alone when told it was just refreshed, but sets it on a list it creates", async () => {
    const { client, prefix, store } = await setup();
    const list = `${prefix}receipts:esme`;
    for (const id of ["a", "b"]) await store.create(message(id), "x", 1000);
    const final = (id: string) => ({ ...message(id), state: "delivered" as const });
    const handOver = { list, ttlMs: 45_000, refreshExpiry: false, maxLength: 10 };
    // The list does not exist: this step creates it, so it gets its expiry all the same.
    await store.update(1, {
      message: final("a"),
      timerAt: null,
      final: true,
      handOver: { ...handOver, items: ["a1"] },
    });
    expect(await client.pttl(list)).toBeGreaterThan(40_000);
    // It exists (expiry lowered here to tell the cases apart): not refreshed.
    await client.pexpire(list, 5_000);
    await store.update(1, {
      message: final("b"),
      timerAt: null,
      final: true,
      handOver: { ...handOver, items: ["b1"] },
    });
    expect(await client.lrange(list, 0, -1)).toEqual(["a1", "b1"]);
    const ttl = await client.pttl(list);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5_000);
  });

  it("stores documents compactly and still reads and updates one stored as an object by an earlier version", async () => {
    const { client, prefix, store } = await setup();
    await store.create(message("new"), "x", 1000);
    expect((await client.hget(`${prefix}m:new`, "doc"))!.startsWith("[2,")).toBe(true);
    const old = { ...message("old"), clientRef: "ref-1" };
    await client.hset(`${prefix}m:old`, "v", "3", "doc", JSON.stringify(old), "t", "x");
    expect(await store.get("old")).toEqual({ message: old, version: 3 });
    const final = { ...old, state: "delivered" as const, finalAt: 5, finalReason: "delivered by x" };
    expect(await store.update(3, { message: final, timerAt: null, final: true })).toBe(true);
    expect((await client.hget(`${prefix}m:old`, "doc"))!.startsWith("[2,")).toBe(true);
    expect(await store.get("old")).toEqual({ message: final, version: 4 });
  });

  it("maps carrier message ids to their message, attempt and part", async () => {
    const { store } = await setup();
    await store.create(message("a"), "x", 1000);
    await store.update(1, {
      message: message("a"),
      timerAt: 1000,
      final: false,
      correlations: [
        { carrier: "tsel", carrierMessageId: "12345", target: { messageId: "a", attempt: 2, part: 1 } },
      ],
    });
    expect(await store.findByCarrierId("tsel", "12345")).toEqual({ messageId: "a", attempt: 2, part: 1 });
    expect(await store.findByCarrierId("isat", "12345")).toBeNull();
  });

  it("writes a final step's correlations and hand-over items each where they belong, and no other key", async () => {
    const { client, prefix, store } = await setup();
    const list = `${prefix}receipts:esme`;
    await store.create(message("a"), "x", 1000);
    const correlations = [
      { carrier: "tsel", carrierMessageId: "c1", target: { messageId: "a", attempt: 1, part: 0 } },
      { carrier: "tsel", carrierMessageId: "c2", target: { messageId: "a", attempt: 1, part: 1 } },
    ];
    const handOver = { list, ttlMs: 45_000, maxLength: 10, items: ["ab:1|i1", "ab:1|i2"] };
    const final = { ...message("a"), state: "delivered" as const };
    expect(
      await store.update(1, { message: final, timerAt: null, final: true, correlations, handOver }),
    ).toBe(true);
    expect(await store.findByCarrierId("tsel", "c2")).toEqual({ messageId: "a", attempt: 1, part: 1 });
    expect(await client.lrange(list, 0, -1)).toEqual(["ab:1|i1", "ab:1|i2"]);
    // The message, its list and its two correlations (and the batch's replay keys): no key per hand-over item.
    const keys = (await client.keys(`${prefix}*`)).filter((k) => !k.startsWith(`${prefix}batch:`)).sort();
    expect(keys).toEqual([`${prefix}c:tsel:c1`, `${prefix}c:tsel:c2`, `${prefix}m:a`, list].sort());
  });

  it("hands a due timer to one claimer and brings it back after the lease", async () => {
    const { store } = await setup();
    await store.create(message("a"), "x", 1000);
    await store.create(message("b"), "x", 9000);
    expect(await store.claimDue(2000, 30_000, 10)).toEqual(["a"]);
    expect(await store.claimDue(2000, 30_000, 10)).toEqual([]);
    expect((await store.claimDue(40_000, 30_000, 10)).sort()).toEqual(["a", "b"]);
  });

  it("takes the account's rate in the same step as storing; over it, nothing is stored", async () => {
    const { client, prefix, store } = await setup();
    // One counter per account, whichever way (HTTP or SMPP, any instance) its messages come.
    const rate = { key: rateLimitKey(prefix, "acme"), perSecond: 2 };
    expect((await store.create(message("r1"), "x", 1000, { rate })).created).toBe(true);
    expect((await store.create(message("r2"), "x", 1000, { rate })).created).toBe(true);
    const refused = await store.create(message("r3"), "x", 1000, { rate }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).retryAfterMs).toBeGreaterThan(0);
    expect((refused as RateLimitedError).retryAfterMs).toBeLessThanOrEqual(1000);
    expect(await store.get("r3")).toBeNull();
    expect(await client.exists(`${prefix}t:r3`)).toBe(0);
    // The window is one second from its first unit: then the budget is whole again.
    expect(await client.pttl(rate.key)).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1050));
    expect((await store.create(message("r4"), "x", 1000, { rate })).created).toBe(true);
    // Another account has its own budget.
    const other = { key: rateLimitKey(prefix, "globex"), perSecond: 2 };
    expect(
      (await store.create({ ...message("g1"), account: "globex" }, "x", 1000, { rate: other })).created,
    ).toBe(true);
  });

  it("records a carrier's acceptance beside the document and merges it into what get returns", async () => {
    const { client, prefix, store } = await setup();
    const attempt = {
      n: 1,
      channel: "sms" as const,
      carrier: "id-telkomsel",
      startedAt: 1,
      dlrDeadline: 5000,
      carrierMessageIds: [null, null],
      partStatus: ["pending" as const, "pending" as const],
    };
    await store.create({ ...message("a"), state: "attempting", attempts: [attempt] }, "x", 5000);
    expect(await store.recordAccepted("a", 1, 1, "id-telkomsel", "c-2")).toBe(true);
    const loaded = await store.get("a");
    // Same version: the document itself was not rewritten.
    expect(loaded?.version).toBe(1);
    expect(loaded?.message.attempts[0]).toMatchObject({
      carrierMessageIds: [null, "c-2"],
      partStatus: ["pending", "accepted"],
    });
    expect(await store.findByCarrierId("id-telkomsel", "c-2")).toEqual({
      messageId: "a",
      attempt: 1,
      part: 1,
    });
    // A message that is gone is not recreated by a late acceptance.
    expect(await store.recordAccepted("gone", 1, 0, "id-telkomsel", "c-9")).toBe(false);
    expect(await client.exists(`${prefix}m:gone`)).toBe(0);
  });

  it("withdraws a create whose answer was lost: the message, its timer and the keys still pointing at it, unless it moved on", async () => {
    const { client, prefix, store } = await setup();
    const handset = [
      { carrier: "tsel", carrierMessageId: "h:628111", target: { messageId: "w1", attempt: 1, part: 0 } },
    ];
    await store.create(message("w1"), "x", 1000, { idempotencyKey: "k-w1", correlations: handset });
    // A later message took the same handset correlation: it is not the withdrawn one's to delete.
    await client.set(`${prefix}c:tsel:h:628111`, "other:1:0");
    expect(await store.withdraw(message("w1"), { idempotencyKey: "k-w1", correlations: handset })).toBe(
      "withdrawn",
    );
    expect(await store.get("w1")).toBeNull();
    expect(await client.zscore(`${prefix}timers`, "w1")).toBeNull();
    expect(await store.findByIdempotencyKey("acme", "k-w1")).toBeNull();
    expect(await client.get(`${prefix}c:tsel:h:628111`)).toBe("other:1:0");
    // The key is free again: the submitter's resend with it creates the message anew.
    expect(await store.create(message("w1b"), "x", 1000, { idempotencyKey: "k-w1" })).toEqual({
      id: "w1b",
      created: true,
    });

    // A create that never ran leaves nothing to withdraw; one that moved on (version 2) is too late, and kept.
    expect(await store.withdraw(message("never"))).toBe("absent");
    await store.create(message("w2"), "x", 1000);
    await store.update(1, {
      message: { ...message("w2"), state: "attempting" },
      timerAt: 5000,
      final: false,
    });
    expect(await store.withdraw(message("w2"))).toBe("too late");
    // A repeat with its idempotency key was told about it: it is delivered, never withdrawn.
    await store.create(message("w3"), "x", 1000, { idempotencyKey: "k-w3" });
    expect(await store.create(message("w3-repeat"), "x", 1000, { idempotencyKey: "k-w3" })).toEqual({
      id: "w3",
      created: false,
    });
    expect(await store.withdraw(message("w3"), { idempotencyKey: "k-w3" })).toBe("too late");
    expect((await store.get("w3"))?.version).toBe(1);
    expect((await store.get("w2"))?.version).toBe(2);
    expect(await client.zscore(`${prefix}timers`, "w2")).toBe("5000");
  });
});
