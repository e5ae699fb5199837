import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { inject, onTestFinished } from "vitest";
import { deleteKeysWithPrefix } from "../../scripts/lib/redis-keys.js";

export { scanKeys } from "../../scripts/lib/redis-keys.js";

/**
 * Redis for one test: the run's private server (test/setup/global-setup.ts) with a key prefix of the test's
 * own, so tests never see each other's keys. The client is closed and the prefix's keys deleted when the
 * test finishes.
 */
export async function testRedis(): Promise<{ url: string; prefix: string; client: Redis }> {
  const url = inject("redisUrl");
  const prefix = `t${randomBytes(4).toString("hex")}:`;
  const client = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: true });
  await client.connect();
  onTestFinished(async () => {
    try {
      await deleteKeysWithPrefix(client, prefix);
    } finally {
      client.disconnect();
    }
  });
  return { url, prefix, client };
}
