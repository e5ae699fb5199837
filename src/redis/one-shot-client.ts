/**
 * A Redis connection for one short job (a command-line check, a demo's clean-up): one connection attempt, no
 * reconnect loop, no unhandled "error" events; its failure is thrown with the socket's own reason (ioredis itself
 * only says "Connection is closed.").
 */
import type { Redis } from "ioredis";
import { createRedis, parseRedisAddress, type RedisAccess } from "./redis-address.js";

/** `url`: any `redis_url` form (redis-address.ts); `access`: the sentinels' password and TLS options, if any. */
export async function withOneShotRedis<T>(
  url: string,
  use: (client: Redis) => Promise<T>,
  access: RedisAccess = {},
): Promise<T> {
  const client = createRedis(parseRedisAddress(url), access, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 5000,
    retryStrategy: () => null,
    sentinelRetryStrategy: () => null,
  });
  let lastError: Error | undefined;
  client.on("error", (error: Error) => (lastError = error));
  try {
    await client.connect();
    return await use(client);
  } catch (error) {
    throw lastError ?? error;
  } finally {
    client.disconnect();
  }
}
