import { ConnectionClosedError, ErrorCodes, OtpgwError, ResponseTimeoutError } from "../errors.js";
import type { SubmitOutcome } from "../south/submit-types.js";
import type { SubmitResult } from "./lifecycle.js";
import type { Update } from "./message-store.js";
import type { Message } from "./types.js";

/*
 * Constants and small pure helpers of the message processor: how carrier answers become lifecycle events,
 * the keys receipts are correlated by, and the retry bounds for recording them.
 */

/**
 * Default start-up grace for receipts (see startupGraceUntil): a carrier sends the receipts it held within a second or
 * two of a bind; five seconds covers a slow link without holding a failed attempt long.
 */
export const DEFAULT_STARTUP_RECEIPT_GRACE_MS = 5_000;

/** Retry a submit result that cannot be written (Redis down) from 100 ms, doubling to 2 s, for up to 10 min. */
export const SUBMIT_RESULT_RETRY_MIN_MS = 100;
export const SUBMIT_RESULT_RETRY_MAX_MS = 2_000;
export const SUBMIT_RESULT_RETRY_FOR_MS = 600_000;

/** The correlation key of a one-part attempt by its handset (a receipt's source_addr): digits, no "+". */
export function handsetKey(e164OrDigits: string): string {
  return `handset:${e164OrDigits.replace(/^\+/, "")}`;
}

export function toSubmitResult(outcome: SubmitOutcome): SubmitResult {
  if (outcome.kind === "accepted") return { status: "accepted", carrierMessageId: outcome.carrierMessageId };
  if (outcome.kind === "not_sent") return { status: "not_sent", reason: outcome.reason };
  return { status: "failed", error: outcome.statusName };
}

/**
 * Written-but-unanswered is unknown (wait for a receipt); anything else never reached the carrier. A part the pool
 * refused to queue (its queue full since the carrier was chosen) or dropped as it closed was not sent through no
 * fault of the carrier: `not_sent`, which does not rule the carrier out for the message.
 */
export function errorToSubmitResult(error: unknown): SubmitResult {
  if (error instanceof ConnectionClosedError || error instanceof ResponseTimeoutError) {
    return { status: "unknown", error: error.code };
  }
  if (
    error instanceof OtpgwError &&
    (error.code === ErrorCodes.CARRIER_SATURATED || error.code === ErrorCodes.CARRIER_CLOSED)
  ) {
    return { status: "not_sent", reason: error.code };
  }
  return { status: "failed", error: error instanceof OtpgwError ? error.code : String(error) };
}

/** The correlation an accepted part adds (its carrier's message id → the part), or undefined. */
export function correlationsOf(
  message: Message,
  n: number,
  part: number,
  result: SubmitResult,
): Update["correlations"] {
  // An empty id (a carrier that answers without one) correlates nothing: its receipts go by the handset.
  if (result.status !== "accepted" || result.carrierMessageId === "") return undefined;
  const attempt = message.attempts.find((a) => a.n === n);
  if (!attempt) return undefined;
  return [
    {
      carrier: attempt.carrier,
      carrierMessageId: result.carrierMessageId,
      target: { messageId: message.id, attempt: n, part },
    },
  ];
}
