import { LogThrottle } from "../observability/log-throttle.js";
import type { Logger } from "../observability/logger.js";
import type { RedisBatch } from "../redis/redis-batch.js";
import type { CarrierPool } from "../south/carrier-pool.js";

/**
 * Longest a handed-off message waits in the set: nobody may ever claim it (the carrier down everywhere, or removed
 * from the configuration); its own timer moves it on anyway. Past this it is dropped, and the set expires with it.
 */
export const HAND_OFF_MAX_AGE_MS = 86_400_000;

/** handOffPush — KEYS: the carrier's hand-off set; ARGV: id, now, maxAgeMs. */
const PUSH_SCRIPT = `redis.call("ZADD", KEYS[1], "NX", ARGV[2], ARGV[1])
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", tonumber(ARGV[2]) - tonumber(ARGV[3]))
redis.call("PEXPIRE", KEYS[1], ARGV[3])
return 1`;

/**
 * handOffClaim — KEYS: the carrier's hand-off set, timers; ARGV: nowMs, leaseMs, limit. Takes up to `limit` handed-off
 * messages and claims each that still has a timer (not final) as claimDue does — its timer pushed `leaseMs` ahead, so
 * no other poller takes it while this one handles it. Returns the ids claimed.
 */
const CLAIM_SCRIPT = `
local ids = redis.call("ZRANGE", KEYS[1], 0, tonumber(ARGV[3]) - 1)
local claimed = {}
local lease = tonumber(ARGV[1]) + tonumber(ARGV[2])
for _, id in ipairs(ids) do
  redis.call("ZREM", KEYS[1], id)
  if redis.call("ZSCORE", KEYS[2], id) then
    redis.call("ZADD", KEYS[2], lease, id)
    claimed[#claimed + 1] = id
  end
end
return claimed
`;

/**
 * Messages handed from an instance that holds no bind of a carrier to those that do (bind-slot leases,
 * src/south/bind-slots.ts): `<prefix>handoff:<carrier>` (zset) id → when handed off. An instance with a bind of the
 * carrier up claims them at each timer poll and moves them on at once; the message's own timer (retry_unavailable_ms)
 * is the safety net when nobody does — any instance then looks at it again, as for any waiting message.
 */
export class HandOffs {
  private readonly batch: RedisBatch;
  private readonly prefix: string;
  private readonly logger: Logger;
  private readonly failedLog = new LogThrottle(10_000);

  constructor(options: { batch: RedisBatch; prefix: string; logger: Logger }) {
    this.batch = options.batch;
    this.prefix = options.prefix;
    this.logger = options.logger;
    this.batch.define("handoff_push", PUSH_SCRIPT);
    this.batch.define("handoff_claim", CLAIM_SCRIPT);
  }

  private key(carrier: string): string {
    return `${this.prefix}handoff:${carrier}`;
  }

  /** Hands a message (its wait committed) to the instances with a bind of `carrier` up; a failure is only logged. */
  handOff(carrier: string, id: string, now: number): void {
    this.batch
      .run("handoff_push", [this.key(carrier)], [id, now, HAND_OFF_MAX_AGE_MS])
      .catch((error: unknown) =>
        this.failedLog.warn(
          this.logger,
          "",
          { err: (error as Error).message, messageId: id, carrier },
          "message not handed to the instances holding the carrier's binds; its timer brings it back (such lines at most every 10 s)",
        ),
      );
  }

  /** Claims what was handed over for the carriers with a bind up here (one batched call for all of them). */
  async claimForBound(
    pools: ReadonlyMap<string, CarrierPool>,
    now: number,
    leaseMs: number,
    limit: number,
  ): Promise<string[]> {
    const timers = `${this.prefix}timers`;
    const claims = [...pools.values()]
      .filter((pool) => pool.boundCount > 0)
      .map((pool) =>
        this.batch.run<string[]>("handoff_claim", [this.key(pool.id), timers], [now, leaseMs, limit]),
      );
    return (await Promise.all(claims)).flat();
  }
}
