/**
 * An account's `rate_per_second`, counted in Redis so that every bind, the HTTP API and every otpgw instance share
 * one budget per account: a counter per account that expires one second after its first unit (a fixed one-second
 * window). The count is taken inside the message store's create step (CREATE_SCRIPT), so checking the rate and
 * storing the message are one Redis round trip; a library limiter (rate-limiter-flexible was used before) cannot
 * join that step and cost a round trip of its own per submit.
 */
import type { Account } from "./account-types.js";

/** The Redis key of an account's counter. */
export function rateLimitKey(prefix: string, accountId: string): string {
  return `${prefix}ratelimit:${accountId}`;
}

/** What delivery's accept needs to take one unit of the account's budget. */
export function accountRateLimit(prefix: string, account: Account): { key: string; perSecond: number } {
  return { key: rateLimitKey(prefix, account.id), perSecond: account.ratePerSecond };
}
