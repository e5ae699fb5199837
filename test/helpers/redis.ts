import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { inject, onTestFinished } from "vitest";

/**
 * Redis for one test: the run's private server (test/setup/global-redis.ts) with a key prefix of the test's
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
      let cursor = "0";
      do {
        const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
        cursor = next;
        if (keys.length > 0) await client.unlink(...keys);
      } while (cursor !== "0");
    } finally {
      client.disconnect();
    }
  });
  return { url, prefix, client };
}

/** Every key matching `pattern` (SCAN, so a large keyspace is not blocked). */
export async function scanKeys(client: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await client.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== "0");
  return keys;
}
