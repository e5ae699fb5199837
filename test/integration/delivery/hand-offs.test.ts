import { describe, expect, it } from "vitest";
import { HAND_OFF_MAX_AGE_MS, HandOffs } from "../../../src/delivery/hand-offs.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { RedisBatch } from "../../../src/redis/redis-batch.js";
import { testRedis } from "../../helpers/redis.js";
import { waitUntil } from "../../helpers/wait.js";

describe("the hand-off set (bind-slot leases)", () => {
  it("expires, and drops entries older than a day: a carrier down everywhere or removed leaves nothing for ever", async () => {
    const { client, prefix } = await testRedis();
    const handOffs = new HandOffs({ batch: new RedisBatch(client), prefix, logger: silentLogger() });
    const key = `${prefix}handoff:id-gone`;
    const now = Date.now();
    handOffs.handOff("id-gone", "old", now - HAND_OFF_MAX_AGE_MS - 1);
    await waitUntil(async () => (await client.zcard(key)) === 1, 5000, "the first hand-off");
    handOffs.handOff("id-gone", "new", now);
    await waitUntil(async () => (await client.zscore(key, "new")) !== null, 5000, "the second hand-off");
    expect(await client.zrange(key, 0, -1)).toEqual(["new"]);
    const ttl = await client.pttl(key);
    expect(ttl).toBeGreaterThan(HAND_OFF_MAX_AGE_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(HAND_OFF_MAX_AGE_MS);
  });
});
