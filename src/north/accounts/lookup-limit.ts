/**
 * Lookups of a message's state — GET /v1/messages/:id and SMPP query_sm — per account and second. Each costs a
 * Redis read, and nothing else bounded them: a client polling in a tight loop (or probing ids) could load Redis,
 * which every acknowledgement waits for, more than its submits ever could. An account may look up as many messages
 * per second as it may submit (its `rate_per_second`, at least LOOKUP_FLOOR_PER_SECOND), shared by its HTTP and
 * SMPP clients; beyond it the answer is HTTP 429 / ESME_RTHROTTLED. Counted per instance (in memory: a lookup does
 * not pay a Redis round trip to be counted), so N instances allow up to N times the rate.
 *
 * rate-limiter-flexible's in-memory limiter does the counting (a well-kept library, the one the submit path used
 * before its count moved into the store's create step).
 */
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import type { Account } from "./account-types.js";

/** Even an account allowed 1 submit per second may look up this many messages per second. */
export const LOOKUP_FLOOR_PER_SECOND = 10;
/** The budget's window: a second. */
const WINDOW_MS = 1000;

export class LookupLimiter {
  /** One limiter per rate (its points per second), keyed by account id. */
  private readonly byRate = new Map<number, RateLimiterMemory>();

  /** The account's lookups per second. */
  static perSecond(account: Pick<Account, "ratePerSecond">): number {
    return Math.max(account.ratePerSecond, LOOKUP_FLOOR_PER_SECOND);
  }

  /** Takes one lookup from the account's budget: undefined when allowed, else the ms until the budget refills. */
  async take(account: Pick<Account, "id" | "ratePerSecond">): Promise<number | undefined> {
    const points = LookupLimiter.perSecond(account);
    let limiter = this.byRate.get(points);
    if (!limiter)
      this.byRate.set(points, (limiter = new RateLimiterMemory({ points, duration: WINDOW_MS / 1000 })));
    try {
      await limiter.consume(account.id);
      return undefined;
    } catch (result) {
      // At most the window: the library reads its expiry on the wall clock, and after a step back of an hour it
      // said an hour (Retry-After: 3601) while its own timer refills the budget within the second.
      if (result instanceof RateLimiterRes) return Math.min(WINDOW_MS, Math.max(1, result.msBeforeNext));
      throw result;
    }
  }
}
