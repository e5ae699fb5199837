/**
 * The Redis the demo's daemon uses: a throwaway redis-server of its own, or the one in REDIS_URL. Either way
 * the run has a key prefix of its own, and with REDIS_URL its keys are deleted at the end so a shared Redis
 * is left as it was found.
 */
import { randomBytes } from "node:crypto";
import { withOneShotRedis } from "../../src/redis/one-shot-client.js";
import { startPrivateRedis } from "../lib/private-redis.js";
import { deleteKeysWithPrefix } from "../lib/redis-keys.js";

export interface RedisTarget {
  url: string;
  keyPrefix: string;
  /** For the banner, without a password. */
  description: string;
  /** Stops the private server, or deletes the run's keys from REDIS_URL. Idempotent. */
  close(): Promise<void>;
}

export async function openRedisTarget(redisUrl: string | undefined): Promise<RedisTarget> {
  const keyPrefix = `otpgw-demo-${randomBytes(4).toString("hex")}:`;
  if (redisUrl) {
    // Fail here, with the URL, rather than with the daemon's start-up error a few seconds later.
    await withOneShotRedis(redisUrl, async (client) => {
      await client.ping();
    }).catch((error: unknown) => {
      throw new Error(
        `REDIS_URL ${maskRedisUrl(redisUrl)} is not reachable (${error instanceof Error ? error.message : String(error)}); unset it to use a throwaway redis-server`,
      );
    });
    let closed: Promise<void> | undefined;
    return {
      url: redisUrl,
      keyPrefix,
      description: `REDIS_URL ${maskRedisUrl(redisUrl)}, key prefix ${keyPrefix}`,
      close: () =>
        (closed ??= withOneShotRedis(redisUrl, (client) => deleteKeysWithPrefix(client, keyPrefix))),
    };
  }
  // A throwaway server: losing the last second on a crash does not matter, and fsync on every write would
  // slow the demo on a small machine.
  const redis = await startPrivateRedis({ appendfsync: "everysec" });
  return {
    url: redis.url,
    keyPrefix,
    description: `private redis-server on 127.0.0.1:${redis.port} (data in ${redis.dir})`,
    close: () => redis.stop(),
  };
}

export function maskRedisUrl(url: string): string {
  return url.replace(/\/\/([^@/]*):[^@/]*@/, "//$1:***@");
}
