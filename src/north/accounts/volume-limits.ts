/**
 * An account's anti-abuse limits (accounts.yaml `countries`, `per_number_limit`, `per_range_limit`; docs/http-api.md,
 * "Anti-abuse limits"). SMS pumping — fraudsters making a platform send OTPs to numbers whose traffic pays them —
 * walks through ranges of premium or fraudulent numbers, often abroad: a country allow-list stops the foreign part,
 * a limit per range the walk, and a limit per number the repeats to one number.
 *
 * The volume limits are counted in Redis inside the message store's create step (CREATE_SCRIPT), like the rate
 * limit (rate-limit.ts): checking them and storing the message are one round trip, shared by the HTTP API, every
 * SMPP bind and every instance. A fixed window per key, from its first message.
 */
import type { VolumeLimit } from "../../delivery/types.js";
import type { Account } from "./account-types.js";

/** Whether the account may send to numbers of `country` (ISO 3166-1 alpha-2). */
export function countryAllowed(account: Account, country: string): boolean {
  return account.countries === undefined || account.countries.has(country);
}

/** Why a submit to `country` is refused: the account's countries, listed. */
export function countryRefusal(account: Account, country: string): string {
  return `this account may not send to ${country} numbers (its countries: ${[...(account.countries ?? [])].join(", ")})`;
}

/** The range `e164` belongs to: the number without its last `rangeDigits` digits, `x` for each. */
export function numberRange(e164: string, rangeDigits: number): string {
  return e164.slice(0, Math.max(1, e164.length - rangeDigits)) + "x".repeat(rangeDigits);
}

/** The volume limits a message to `e164` takes from the account, or undefined when it has none (no allocation). */
export function volumeLimitsFor(prefix: string, account: Account, e164: string): VolumeLimit[] | undefined {
  const { perNumberLimit, perRangeLimit } = account;
  if (perNumberLimit === undefined && perRangeLimit === undefined) return undefined;
  const limits: VolumeLimit[] = [];
  if (perNumberLimit !== undefined) {
    limits.push({
      key: `${prefix}limit:n:${account.id}:${e164}`,
      messages: perNumberLimit.messages,
      windowMs: perNumberLimit.windowSeconds * 1000,
      kind: "number",
    });
  }
  if (perRangeLimit !== undefined) {
    limits.push({
      key: `${prefix}limit:r:${account.id}:${numberRange(e164, perRangeLimit.rangeDigits)}`,
      messages: perRangeLimit.messages,
      windowMs: perRangeLimit.windowSeconds * 1000,
      kind: "range",
    });
  }
  return limits;
}
