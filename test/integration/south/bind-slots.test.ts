import { Redis } from "ioredis";
import { describe, expect, it, onTestFinished } from "vitest";
import { createMetrics, type Metrics } from "../../../src/observability/metrics.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { BindSlots, MIN_SLOT_LEASE_MS, type SlotHolder } from "../../../src/south/bind-slots.js";
import { startRedisProxy } from "../../helpers/redis-proxy.js";
import { testRedis } from "../../helpers/redis.js";
import { waitUntil } from "../../helpers/wait.js";

/** The shortest lease (6 s): renewals every 2 s; with renewals failing, binds close 3 s before the lease expires. */
const LEASE_MS = MIN_SLOT_LEASE_MS;

/**
 * Which instance has which slot's bind open, across every fake pool of a test: opening a slot another instance has
 * open is recorded as a violation (two binds on one slot).
 */
class Board {
  readonly open = new Map<string, string>();
  readonly violations: string[] = [];
}

interface FakePool extends SlotHolder {
  opened: number[];
  /** Each close asked: its slot, when it was asked and when it must be done by (wall clock, as the lease's expiry). */
  closes: { slot: number; deadline: number; at: number }[];
  openSlots(): number[];
}

function fakePool(board: Board, instance: string, id: string, slotCount: number): FakePool {
  const mine = new Set<number>();
  return {
    id,
    slotCount,
    opened: [],
    closes: [],
    openSlots: () => [...mine].sort(),
    openSlot(slot) {
      const key = `${id}/${slot}`;
      const other = board.open.get(key);
      if (other !== undefined && other !== instance)
        board.violations.push(`${instance} opened ${key} held by ${other}`);
      board.open.set(key, instance);
      mine.add(slot);
      this.opened.push(slot);
    },
    async closeSlot(slot, withinMs) {
      const at = Date.now();
      this.closes.push({ slot, deadline: at + withinMs, at });
      // A bind draining its window takes a moment.
      await new Promise((r) => setTimeout(r, 50));
      if (board.open.get(`${id}/${slot}`) === instance) board.open.delete(`${id}/${slot}`);
      mine.delete(slot);
    },
  };
}

function instance(
  redis: Redis,
  prefix: string,
  token: string,
  pools: { board: Board; carrier: string; binds: number }[],
  metrics?: Metrics,
) {
  const slots = new BindSlots({
    redis,
    prefix,
    token,
    logger: silentLogger(),
    leaseMs: LEASE_MS,
    ...(metrics && { metrics }),
  });
  const byCarrier = new Map<string, FakePool>();
  for (const { board, carrier, binds } of pools) {
    const pool = fakePool(board, token, carrier, binds);
    slots.register(pool);
    byCarrier.set(carrier, pool);
  }
  onTestFinished(() => slots.close());
  return { slots, pool: (carrier = "id-a") => byCarrier.get(carrier)! };
}

async function ownClient(url: string): Promise<Redis> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  // Connection errors are what these tests cause; the lease manager sees them as failed calls.
  client.on("error", () => undefined);
  await client.connect();
  onTestFinished(() => client.disconnect());
  return client;
}

describe("bind-slot leases", () => {
  it("a lone instance takes every slot at its first tick, under its token with the lease as expiry", async () => {
    const { client, prefix } = await testRedis();
    const board = new Board();
    const metrics = createMetrics();
    const a = instance(client, prefix, "inst-a", [{ board, carrier: "id-a", binds: 3 }], metrics);
    await a.slots.start();
    expect(a.pool().openSlots()).toEqual([0, 1, 2]);
    for (const k of [0, 1, 2]) {
      expect(await client.get(`${prefix}slots:id-a:${k}`)).toBe("inst-a");
      const ttl = await client.pttl(`${prefix}slots:id-a:${k}`);
      expect(ttl).toBeGreaterThan(LEASE_MS - 1000);
      expect(ttl).toBeLessThanOrEqual(LEASE_MS);
    }
    expect(a.slots.held("id-a")).toBe(3);
    const gauge = await metrics.registry.getSingleMetricAsString("otpgw_carrier_bind_slots_held");
    expect(gauge).toContain('otpgw_carrier_bind_slots_held{carrier="id-a"} 3');
  });

  it("renews its leases every third of the lease, without opening a bind again", async () => {
    const { client, prefix } = await testRedis();
    const a = instance(client, prefix, "inst-a", [{ board: new Board(), carrier: "id-a", binds: 1 }]);
    await a.slots.start();
    // Past the first renewal (2 s): without it, 6 s - 3 s = ~3 s would be left.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await client.pttl(`${prefix}slots:id-a:0`)).toBeGreaterThan(LEASE_MS - 2_100);
    expect(a.pool().opened).toEqual([0]);
  });

  it("a joining instance gets its fair share: the holder drains the slot and releases it before the newcomer binds", async () => {
    const { client, prefix } = await testRedis();
    const board = new Board();
    const a = instance(client, prefix, "inst-a", [{ board, carrier: "id-a", binds: 2 }]);
    const b = instance(client, prefix, "inst-b", [{ board, carrier: "id-a", binds: 2 }]);
    await a.slots.start();
    expect(a.pool().openSlots()).toEqual([0, 1]);
    // b announces itself; slot 1 prefers it (rank 1 of 2) but a holds it: b waits.
    await b.slots.start();
    expect(b.pool().openSlots()).toEqual([]);
    expect(b.slots.heldElsewhere("id-a")).toBe(true);
    // a's tick hands slot 1 over: drained (closed), then released.
    await a.slots.tickNow();
    await waitUntil(
      async () => (await client.get(`${prefix}slots:id-a:1`)) === null,
      2_000,
      "slot 1 released",
    );
    expect(a.pool().closes.map((c) => c.slot)).toEqual([1]);
    expect(a.pool().openSlots()).toEqual([0]);
    await b.slots.tickNow();
    expect(b.pool().openSlots()).toEqual([1]);
    expect(await client.get(`${prefix}slots:id-a:1`)).toBe("inst-b");
    // Stable from now on.
    await a.slots.tickNow();
    await b.slots.tickNow();
    expect(a.pool().openSlots()).toEqual([0]);
    expect(b.pool().openSlots()).toEqual([1]);
    expect(board.violations).toEqual([]);
  });

  it("with fewer slots than instances, a joining instance does not move a bind for nothing", async () => {
    const { client, prefix } = await testRedis();
    const board = new Board();
    // inst-b ranks after inst-a: slot 0 would prefer inst-a anyway; here the holder ranks second.
    const b = instance(client, prefix, "inst-b", [{ board, carrier: "id-a", binds: 1 }]);
    const a = instance(client, prefix, "inst-a", [{ board, carrier: "id-a", binds: 1 }]);
    await b.slots.start();
    await a.slots.start();
    await b.slots.tickNow();
    await a.slots.tickNow();
    expect(b.pool().openSlots()).toEqual([0]);
    expect(b.pool().closes).toEqual([]);
    expect(a.pool().openSlots()).toEqual([]);
    expect(a.slots.heldElsewhere("id-a")).toBe(true);
  });

  it("a graceful close releases the leases and the announcement: another instance binds at its next tick", async () => {
    const { client, prefix } = await testRedis();
    const board = new Board();
    const a = instance(client, prefix, "inst-a", [{ board, carrier: "id-a", binds: 1 }]);
    const b = instance(client, prefix, "inst-b", [{ board, carrier: "id-a", binds: 1 }]);
    await a.slots.start();
    await b.slots.start();
    expect(b.pool().openSlots()).toEqual([]);
    a.slots.stopAcquiring();
    await a.pool().closeSlot(0, 0, false);
    await a.slots.close();
    expect(await client.get(`${prefix}slots:id-a:0`)).toBeNull();
    expect(await client.zscore(`${prefix}slots:id-a:members`, "inst-a")).toBeNull();
    await b.slots.tickNow();
    expect(b.pool().openSlots()).toEqual([0]);
    expect(board.violations).toEqual([]);
  });

  it("a slot its preferred instance does not take goes to another after two renewal periods", async () => {
    const { client, prefix } = await testRedis();
    // An instance that announced itself (it ranks first: slot 0 prefers it) but never takes its slot.
    await client.zadd(`${prefix}slots:id-a:members`, Date.now() + 60_000, "inst-0");
    await client.hset(`${prefix}slots:id-a:binds`, "inst-0", 2);
    const a = instance(client, prefix, "inst-a", [{ board: new Board(), carrier: "id-a", binds: 2 }]);
    await a.slots.start();
    expect(a.pool().openSlots()).toEqual([1]);
    const started = Date.now();
    await waitUntil(() => a.pool().openSlots().length === 2, 8_000, "slot 0 taken after its grace");
    expect(Date.now() - started).toBeGreaterThan(2_500);
  });

  it("closes a slot's bind before its lease can expire when renewals fail, and another instance takes it only after", async () => {
    const { client, prefix, url } = await testRedis();
    const proxy = await startRedisProxy(Number(new URL(url).port));
    onTestFinished(() => proxy.close());
    const board = new Board();
    const a = instance(await ownClient(proxy.url), prefix, "inst-a", [{ board, carrier: "id-a", binds: 1 }]);
    const b = instance(client, prefix, "inst-b", [{ board, carrier: "id-a", binds: 1 }]);
    await a.slots.start();
    await b.slots.start();
    const expiresAt = Date.now() + (await client.pttl(`${prefix}slots:id-a:0`));
    const restored = proxy.cut(10_000);
    await waitUntil(() => a.pool().closes.length > 0, LEASE_MS, "the bind closed");
    const close = a.pool().closes[0]!;
    expect(close.deadline).toBeLessThan(expiresAt - 1_000);
    expect(close.at).toBeLessThan(expiresAt - 2_000);
    // b takes it once the lease expired (a's announcement expired too: b is the only one left).
    await waitUntil(() => b.pool().openSlots().length === 1, LEASE_MS + 5_000, "b to take the slot");
    expect(a.pool().openSlots()).toEqual([]);
    await restored;
    await a.slots.tickNow();
    expect(a.pool().openSlots()).toEqual([]);
    expect(a.slots.heldElsewhere("id-a")).toBe(true);
    expect(board.violations).toEqual([]);
  }, 30_000);

  it("writes nothing once its leases may have run out unrenewed (a process paused past its lease), before any timer ran", async () => {
    const { client, prefix } = await testRedis();
    let now = Date.now();
    const slots = new BindSlots({
      redis: client,
      prefix,
      token: "inst-paused",
      logger: silentLogger(),
      leaseMs: LEASE_MS,
      clock: () => now,
    });
    slots.register(fakePool(new Board(), "inst-paused", "id-a", 1));
    onTestFinished(() => slots.close());
    expect(slots.mayWrite()).toBe(false); // before the first tick: no lease yet
    await slots.start();
    expect(slots.mayWrite()).toBe(true);
    now += LEASE_MS - 3001; // still inside the lease, short of the loss margin
    expect(slots.mayWrite()).toBe(true);
    now += 2; // the binds would be closing now: another instance may take the slot soon
    expect(slots.mayWrite()).toBe(false);
  });

  it("rides out a Redis outage shorter than the loss margin without closing the bind", async () => {
    const { prefix, url } = await testRedis();
    const proxy = await startRedisProxy(Number(new URL(url).port));
    onTestFinished(() => proxy.close());
    const a = instance(await ownClient(proxy.url), prefix, "inst-a", [
      { board: new Board(), carrier: "id-a", binds: 1 },
    ]);
    await a.slots.start();
    await proxy.cut(1_500);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(a.pool().closes).toEqual([]);
    expect(a.pool().openSlots()).toEqual([0]);
  }, 15_000);

  it("after a crash: another instance binds once the lease expired; restarted under its token, it reclaims its slots without waiting for them to expire", async () => {
    const { client, prefix, url } = await testRedis();
    const board = new Board();
    // A crash: the connection goes and nothing is released.
    const crashing = await ownClient(url);
    const a = instance(crashing, prefix, "inst-a", [
      { board, carrier: "id-a", binds: 1 },
      { board, carrier: "id-b", binds: 1 },
    ]);
    await a.slots.start();
    crashing.disconnect();
    await a.pool("id-a").closeSlot(0, 0, false);
    await a.pool("id-b").closeSlot(0, 0, false);
    // Restarted at once under the same token: its leases are its own.
    const again = instance(client, prefix, "inst-a", [{ board, carrier: "id-b", binds: 1 }]);
    await again.slots.start();
    expect(again.pool("id-b").openSlots()).toEqual([0]);
    // Another instance takes id-a (not served by the restarted one) only once the crashed lease expired.
    const b = instance(client, prefix, "inst-b", [{ board, carrier: "id-a", binds: 1 }]);
    await b.slots.start();
    expect(b.pool().openSlots()).toEqual([]);
    const waiting = Date.now();
    await waitUntil(() => b.pool().openSlots().length === 1, LEASE_MS + 5_000, "b to take id-a after expiry");
    expect(Date.now() - waiting).toBeGreaterThan(1_000);
    expect(board.violations).toEqual([]);
  }, 20_000);

  it("refuses to start under an instance id a running instance uses, and opens no bind", async () => {
    const { client, prefix } = await testRedis();
    const board = new Board();
    const a = instance(client, prefix, "inst-a", [{ board, carrier: "id-a", binds: 1 }]);
    await a.slots.start();
    const twin = instance(client, prefix, "inst-a", [{ board, carrier: "id-a", binds: 1 }]);
    await expect(twin.slots.start()).rejects.toThrow(/another running instance uses instance id inst-a/);
    expect(twin.pool().opened).toEqual([]);
    expect(a.pool().openSlots()).toEqual([0]);
  }, 10_000);
});
