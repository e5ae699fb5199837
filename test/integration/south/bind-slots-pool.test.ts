import { Redis } from "ioredis";
import { describe, expect, it, onTestFinished } from "vitest";
import { silentLogger } from "../../../src/observability/logger.js";
import { createMetrics } from "../../../src/observability/metrics.js";
import { BindSlots, MIN_SLOT_LEASE_MS } from "../../../src/south/bind-slots.js";
import { CarrierPool } from "../../../src/south/carrier-pool.js";
import { testCarrier } from "../../helpers/carrier-config.js";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { startRedisProxy } from "../../helpers/redis-proxy.js";
import { testRedis } from "../../helpers/redis.js";
import { waitUntil } from "../../helpers/wait.js";

describe("a carrier pool on bind-slot leases", () => {
  it("a bind closed because its lease could not be renewed reads bind_up 0, not no series (its alert can fire)", async () => {
    const { url, prefix } = await testRedis();
    const proxy = await startRedisProxy(Number(new URL(url).port));
    onTestFinished(() => proxy.close());
    const client = new Redis(proxy.url, { maxRetriesPerRequest: 1, lazyConnect: true });
    client.on("error", () => undefined);
    await client.connect();
    onTestFinished(() => client.disconnect());
    const sim = await startCarrierSim();
    const metrics = createMetrics();
    const slots = new BindSlots({
      redis: client,
      prefix,
      token: "pool-a",
      logger: silentLogger(),
      metrics,
      leaseMs: MIN_SLOT_LEASE_MS,
    });
    const pool = new CarrierPool({
      carrier: testCarrier({ id: "id-a", port: sim.port! }),
      logger: silentLogger(),
      metrics,
      slots,
    });
    onTestFinished(async () => {
      await pool.close(500);
      await slots.close(500);
    });
    pool.start();
    await slots.start();
    await waitUntil(() => pool.boundCount === 1, 10_000, "the bind");
    const bindUp = async () =>
      (await metrics.bindUp.get()).values.filter((v) => v.labels.carrier === "id-a").map((v) => v.value);
    expect(await bindUp()).toEqual([1]);
    const down = proxy.cut(8000); // longer than the lease's loss margin: the bind closes
    await waitUntil(() => pool.boundCount === 0, 10_000, "the bind closed for want of a renewal");
    await waitUntil(async () => (await bindUp()).join() === "0", 5000, "bind_up 0 once it is closed");
    await new Promise((r) => setTimeout(r, 200));
    expect(await bindUp()).toEqual([0]);
    await down;
  }, 30_000);
});
