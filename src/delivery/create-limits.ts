/**
 * The account's budgets a message takes in the same Redis step that creates it (CREATE_SCRIPT): its rate
 * (`rate_per_second`) and its anti-abuse volume limits (src/north/accounts/volume-limits.ts). Over one, the step
 * stores nothing and answers why; these are the errors `MessageStore.create` turns that answer into.
 */
import { ErrorCodes, OtpgwError } from "../errors.js";
import type { VolumeLimit } from "./types.js";

/** An account's rate budget, taken in the same step as the message is created. */
export interface RateLimit {
  /** The account's counter key (shared with the HTTP API's limiter). */
  key: string;
  perSecond: number;
}

/** Thrown by `create` when a volume limit is reached: nothing was stored (nor counted). */
export class VolumeLimitedError extends OtpgwError {
  constructor(
    readonly limit: VolumeLimit,
    readonly retryAfterMs: number,
  ) {
    super(
      ErrorCodes.DELIVERY_VOLUME_LIMITED,
      `the account's limit of ${limit.messages} messages per ${limit.kind === "number" ? "number" : "range of numbers"} in ${Math.round(limit.windowMs / 1000)} s is reached`,
    );
  }
}

/** Thrown by `create` when the account is over its rate: nothing was stored. */
export class RateLimitedError extends OtpgwError {
  constructor(
    readonly perSecond: number,
    readonly retryAfterMs: number,
  ) {
    super(ErrorCodes.DELIVERY_RATE_LIMITED, `over the account's ${perSecond} messages per second`);
  }
}

/**
 * The refusal a create step answered with — `!<ms>`: over the rate; `#<i>:<ms>`: volume limit i (1-based) reached;
 * `<ms>` until its window ends — or undefined when it stored (or found) the message.
 */
export function createRefusal(
  result: string,
  rate: RateLimit | undefined,
  limits: readonly VolumeLimit[],
): OtpgwError | undefined {
  if (result.startsWith("!")) return new RateLimitedError(rate?.perSecond ?? 0, Number(result.slice(1)));
  if (!result.startsWith("#")) return undefined;
  const [index, ttl] = result.slice(1).split(":");
  return new VolumeLimitedError(limits[Number(index) - 1]!, Number(ttl));
}
