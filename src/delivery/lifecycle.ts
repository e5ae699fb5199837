import type { Attempt, AttemptOutcome, FinalState, Message, PartStatus } from "./types.js";

/**
 * The lifecycle of a message as pure functions: events (submit results, receipts, time passing) produce a new
 * document, and `settle` says what happens next. No I/O, no clock: the caller passes `now`. Inputs are never
 * mutated; every function returns a new Message.
 */

export interface SettleContext {
  now: number;
  /** No attempt starts with less validity left than this: it could not reach the user in time. */
  minRemainingMs: number;
}

export type Next =
  /** An attempt is open: look again at `timerAt` (its DLR deadline) unless a receipt comes first. */
  | { kind: "wait"; timerAt: number }
  /** No attempt is open and there is time left: pick a carrier and start one now. */
  | { kind: "attempt" }
  | { kind: "final"; state: FinalState; reason: string };

export type SubmitResult =
  | { status: "accepted"; carrierMessageId: string }
  /** Refused by the carrier (command_status name) or never sent (error code): the attempt fails at once. */
  | { status: "failed"; error: string }
  /** Written but no answer (link dropped, response timeout): wait for a receipt until the DLR deadline. */
  | { status: "unknown"; error: string };

export interface ReceiptEvent {
  stat: string;
  err?: string;
  delivered: boolean;
  final: boolean;
}

function withAttempt(message: Message, n: number, change: (attempt: Attempt) => Attempt): Message {
  return { ...message, attempts: message.attempts.map((a) => (a.n === n ? change(a) : a)) };
}

function setPart(statuses: PartStatus[], part: number, status: PartStatus): PartStatus[] {
  const next = [...statuses];
  next[part] = status;
  return next;
}

/** Records one part's submit outcome on attempt `n` (ignored if the attempt already ended). */
export function applySubmitResult(message: Message, n: number, part: number, result: SubmitResult): Message {
  return withAttempt(message, n, (attempt) => {
    if (attempt.outcome) return attempt;
    if (result.status === "accepted") {
      const ids = [...attempt.carrierMessageIds];
      ids[part] = result.carrierMessageId;
      // A receipt may have been recorded already (fast carrier): never downgrade a final part status.
      const current = attempt.partStatus[part];
      const status: PartStatus = current === "delivered" || current === "failed" ? current : "accepted";
      return { ...attempt, carrierMessageIds: ids, partStatus: setPart(attempt.partStatus, part, status) };
    }
    if (result.status === "failed") {
      return {
        ...attempt,
        partStatus: setPart(attempt.partStatus, part, "failed"),
        submitError: result.error,
      };
    }
    return {
      ...attempt,
      partStatus: setPart(attempt.partStatus, part, "unknown"),
      submitError: result.error,
    };
  });
}

/**
 * Records a receipt for part `part` of attempt `n`. A receipt for an attempt that already ended is kept as a
 * late receipt (it may still prove delivery) and changes nothing else. Intermediate states (ENROUTE,
 * ACCEPTD) only update the latest stat.
 */
export function applyReceipt(
  message: Message,
  n: number,
  part: number,
  receipt: ReceiptEvent,
  now: number,
): Message {
  return withAttempt(message, n, (attempt) => {
    if (attempt.outcome) {
      return { ...attempt, lateReceipts: [...(attempt.lateReceipts ?? []), { stat: receipt.stat, at: now }] };
    }
    const updated: Attempt = { ...attempt, receiptStat: receipt.stat };
    if (receipt.err !== undefined && !receipt.delivered) updated.receiptErr = receipt.err;
    if (!receipt.final) return updated;
    updated.partStatus = setPart(attempt.partStatus, part, receipt.delivered ? "delivered" : "failed");
    return updated;
  });
}

/** The outcome of an open attempt at `now`, or undefined while it is still waiting. */
export function attemptOutcome(attempt: Attempt, now: number): AttemptOutcome | undefined {
  const parts = attempt.partStatus;
  if (parts.includes("failed")) return attempt.submitError && !attempt.receiptStat ? "rejected" : "failed";
  if (parts.every((p) => p === "delivered")) return "delivered";
  if (now < attempt.dlrDeadline) return undefined;
  return parts.some((p) => p === "unknown" || p === "pending") ? "unknown" : "timeout";
}

function hasLateDelivery(message: Message): Attempt | undefined {
  return message.attempts.find((a) => a.lateReceipts?.some((r) => r.stat === "DELIVRD"));
}

/**
 * Decides what happens next and closes the open attempt if its outcome is known. Call after every event and
 * whenever the message's timer fires. Never called on a final message.
 */
export function settle(message: Message, ctx: SettleContext): { message: Message; next: Next } {
  const late = hasLateDelivery(message);
  if (late) {
    return {
      message,
      next: {
        kind: "final",
        state: "delivered",
        reason: `delivered by ${late.carrier} (late receipt for attempt ${late.n})`,
      },
    };
  }
  const open = message.attempts.find((a) => !a.outcome);
  let current = message;
  if (open) {
    const outcome = attemptOutcome(open, ctx.now);
    if (!outcome) return { message, next: { kind: "wait", timerAt: open.dlrDeadline } };
    current = withAttempt(message, open.n, (a) => ({ ...a, outcome, endedAt: ctx.now }));
    if (outcome === "delivered") {
      return {
        message: current,
        next: { kind: "final", state: "delivered", reason: `delivered by ${open.carrier}` },
      };
    }
  }
  if (ctx.now + ctx.minRemainingMs > message.expiresAt) {
    return {
      message: current,
      next: { kind: "final", state: "expired", reason: "validity ended before delivery" },
    };
  }
  return { message: current, next: { kind: "attempt" } };
}

/**
 * Carriers that may not be tried again: any with an attempt that ended other than "unknown", and any with two
 * "unknown" attempts. (A single unknown outcome may mean the SMS never left: it earns one more try.)
 */
export function exhaustedCarriers(message: Message): string[] {
  const unknown = new Map<string, number>();
  const exhausted = new Set<string>();
  for (const attempt of message.attempts) {
    if (attempt.outcome === "unknown") {
      const count = (unknown.get(attempt.carrier) ?? 0) + 1;
      unknown.set(attempt.carrier, count);
      if (count >= 2) exhausted.add(attempt.carrier);
    } else {
      exhausted.add(attempt.carrier);
    }
  }
  return [...exhausted];
}

/** Carriers already tried for this message, in order. */
export function triedCarriers(message: Message): string[] {
  return message.attempts.map((a) => a.carrier);
}

/** A new attempt on `carrier` with `parts` parts, its DLR deadline `dlrTimeoutMs` from now. */
export function startAttempt(
  message: Message,
  carrier: string,
  parts: number,
  now: number,
  dlrTimeoutMs: number,
): Message {
  const attempt: Attempt = {
    n: message.attempts.length + 1,
    channel: "sms",
    carrier,
    startedAt: now,
    dlrDeadline: now + dlrTimeoutMs,
    carrierMessageIds: Array.from({ length: parts }, () => null),
    partStatus: Array.from({ length: parts }, () => "pending"),
  };
  return { ...message, state: "attempting", attempts: [...message.attempts, attempt] };
}

export function finalize(message: Message, state: FinalState, reason: string, now: number): Message {
  return { ...message, state, finalAt: now, finalReason: reason };
}
