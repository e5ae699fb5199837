import { attemptOutcome } from "./lifecycle.js";
import { fromPoolClock, type PoolClocks } from "./pool-clock.js";
import type { Message } from "./types.js";

export interface StartupGraceContext {
  now: number;
  /** When this process started delivering: attempts started before it belong to an earlier process. */
  processStartedAt: number;
  /** When a bind of `carrier` first came up in this process; undefined if none has. */
  firstBoundAt: (carrier: string) => number | undefined;
  graceMs: number;
}

/** When `carrier` first bound in this process (its pool's stamp), on delivery's clock; undefined if it has not. */
export function firstBoundAt(
  deps: PoolClocks & { pools: ReadonlyMap<string, { firstBoundAt: number | undefined }> },
  carrier: string,
): number | undefined {
  const at = deps.pools.get(carrier)?.firstBoundAt;
  return at === undefined ? undefined : fromPoolClock(deps, at);
}

/**
 * After a restart, receipts the carrier held while we were down arrive only once a bind is up again: an open
 * attempt (started by an earlier process) whose DLR deadline passed meanwhile is not timed out until its carrier
 * has been bound in this process for `graceMs`. A carrier that has not bound (down, or gone from the config)
 * gets the same grace counted from the process's start, so it ends and the message reroutes instead of waiting
 * for the OTP to expire. Returns when to look again, or undefined when no grace applies.
 * Later carrier outages get no grace: rerouting then is what gets the OTP through; nor does an attempt whose outcome
 * is known (a receipt came): only a timeout is held back.
 */
export function startupGraceUntil(message: Message, ctx: StartupGraceContext): number | undefined {
  const open = message.attempts.find((a) => !a.outcome);
  if (!open || ctx.now < open.dlrDeadline || ctx.now >= message.expiresAt) return undefined;
  if (open.startedAt >= ctx.processStartedAt) return undefined;
  // Only a timeout waits: an outcome already known (a held UNDELIV or DELIVRD that came in) ends the attempt now.
  const outcome = attemptOutcome(open, ctx.now);
  if (outcome !== "timeout" && outcome !== "unknown") return undefined;
  const until = (ctx.firstBoundAt(open.carrier) ?? ctx.processStartedAt) + ctx.graceMs;
  return ctx.now < until ? Math.min(until, message.expiresAt) : undefined;
}
