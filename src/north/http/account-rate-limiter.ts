/**
 * Each account's rate_per_second, counted in Redis so that every otpgw instance shares one budget per
 * account (rate-limiter-flexible: one atomic INCR-with-expiry per submit on a one-second window).
 */
import type { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { ErrorCodes } from "../../errors.js";
import type { Account } from "../accounts/account-types.js";
import { HttpApiError } from "./http-api-error.js";

/** The Redis key of an account's one-second counter (rate-limiter-flexible's `<keyPrefix>:<key>` layout). */
export function rateLimitKey(prefix: string, accountId: string): string {
  return `${prefix}ratelimit:${accountId}`;
}

export class AccountRateLimiter {
  private readonly redis: Redis;
  private readonly keyPrefix: string;
  /** One limiter per account and rate (a reloaded rate gets a fresh limiter). */
  private readonly limiters = new Map<string, RateLimiterRedis>();

  /** Keys are `<keyPrefix>ratelimit:<account id>`. */
  constructor(options: { redis: Redis; keyPrefix: string }) {
    this.redis = options.redis;
    this.keyPrefix = options.keyPrefix;
  }

  /**
   * Takes one submit from the account's budget.
   * @throws HttpApiError 429 (over the rate, with Retry-After) or 503 (Redis unreachable).
   */
  async consume(account: Account): Promise<void> {
    try {
      await this.limiterFor(account).consume(account.id, 1);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        throw new HttpApiError(
          429,
          ErrorCodes.HTTP_RATE_LIMITED,
          `over this account's rate of ${account.ratePerSecond} messages per second`,
          { retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) },
        );
      }
      throw new HttpApiError(503, ErrorCodes.HTTP_UNAVAILABLE, "the message store is unreachable; retry", {
        retryAfterSeconds: 1,
        cause: rejection,
      });
    }
  }

  private limiterFor(account: Account): RateLimiterRedis {
    const cacheKey = `${account.id}\n${account.ratePerSecond}`;
    let limiter = this.limiters.get(cacheKey);
    if (limiter === undefined) {
      limiter = new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: `${this.keyPrefix}ratelimit`,
        points: account.ratePerSecond,
        duration: 1,
        // Fail at once when Redis is down rather than queue submits behind a reconnect.
        rejectIfRedisNotReady: true,
      });
      this.limiters.set(cacheKey, limiter);
    }
    return limiter;
  }
}
