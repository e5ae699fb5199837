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

/**
 * A MONITOR connection of `client`'s server, retried when ioredis loses the race at its start: on a busy server
 * (other instances' polls, the clock's TIME every second) monitor lines can arrive in the same read as MONITOR's
 * "OK", before ioredis has switched the connection to monitoring, and it then fails with "Command queue state
 * error". Nothing the test watches has happened yet at that point, so trying again loses nothing.
 */
export async function monitorRedis(client: Redis, tries = 5): Promise<Redis> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.monitor();
    } catch (error) {
      if (attempt >= tries || !String((error as Error).message).includes("Command queue state error"))
        throw error;
    }
  }
}
