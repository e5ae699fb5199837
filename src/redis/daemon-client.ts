import type { Redis } from "ioredis";
import type { RedisBatch } from "./redis-batch.js";
import { readonlyReconnect } from "./failover.js";
import { createRedis, type RedisAccess, type RedisAddress } from "./redis-address.js";

/** How long start-up waits for Redis before refusing to run. */
const REDIS_CONNECT_TIMEOUT_MS = 5_000;

/** The daemon's main Redis connection (the hot path's, the API's and the bind-slot leases'); connected by the caller. */
export function createDaemonRedis(address: RedisAddress, access: RedisAccess): Redis {
  return createRedis(address, access, {
    lazyConnect: true,
    // Fail a command after a few retries instead of holding an HTTP request for long: the client gets a
    // 503 (not acknowledged, nothing lost) and the timers retry delivery work on their own.
    maxRetriesPerRequest: 2,
    // No auto-pipelining: ioredis 5.11 throws an uncaught "results[i] is not iterable" from it when a
    // batch mixes scripts (EVAL/EVALSHA) with other commands, which killed the daemon under load. The hot
    // path batches on its own instead (RedisBatch: one script call per event-loop turn).
    enableAutoPipelining: false,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    // After a failover behind the same address, follow it (the hot path's batch does the same for its scripts).
    reconnectOnError: readonlyReconnect(),
  });
}

/**
 * Closes the daemon's connection, last of all (shutdown): the hot path's writes still queued — deferred ones
 * (RedisBatch.defer) — are sent and answered first (within `withinMs`), then QUIT; disconnects if QUIT cannot be sent.
 */
export async function closeDaemonRedis(redis: Redis, batch: RedisBatch, withinMs: number): Promise<void> {
  await batch.settle(withinMs);
  await redis.quit().catch(() => redis.disconnect());
}
