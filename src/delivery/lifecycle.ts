import type { Attempt, AttemptOutcome, FinalState, Message, NewMessage, PartStatus } from "./types.js";

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
  | { status: "unknown"; error: string }
  /** Never written (too late, or withdrawn as its attempt ended): not the carrier's doing; the attempt ends. */
  | { status: "not_sent"; reason: string };

export interface ReceiptEvent {
  stat: string;
  err?: string;
  delivered: boolean;
  final: boolean;
}

/*
 * Copies are built with every field written out, never as `{ ...object, field }`: on Node 20 (V8 11.3), a spread
 * copy that adds a field the original lacks gets a hidden class of its own, outside V8's transition tree. Every
 * message then had its own classes (~6 new ones per message), every property read of it missed V8's caches, and
 * each such copy cost ~0.5 µs instead of a few ns (docs/performance.md, "Session 12: one hidden class per
 * document"). Writing every field, optional ones as `undefined`, gives all documents one class;
 * test/unit/delivery/hidden-classes.test.ts checks it with V8's own %HaveSameMap.
 */

/** A copy of `a` with every field, optional ones included: one hidden class for every attempt. */
export function copyAttempt(a: Attempt): Attempt {
  const copy: { [K in keyof Required<Attempt>]: Attempt[K] } = {
    n: a.n,
    channel: a.channel,
    carrier: a.carrier,
    startedAt: a.startedAt,
    dlrDeadline: a.dlrDeadline,
    carrierMessageIds: a.carrierMessageIds,
    partStatus: a.partStatus,
    submitError: a.submitError,
    receiptStat: a.receiptStat,
    receiptErr: a.receiptErr,
    outcome: a.outcome,
    endedAt: a.endedAt,
    lateReceipts: a.lateReceipts,
    route: a.route,
  };
  return copy;
}

/** A copy of `m` with every field, optional ones included: one hidden class for every message. */
export function copyMessage(m: Message): Message {
  const copy: { [K in keyof Required<Message>]: Message[K] } = {
    id: m.id,
    account: m.account,
    to: m.to,
    from: m.from,
    country: m.country,
    parts: m.parts,
    textLength: m.textLength,
    clientRef: m.clientRef,
    callbackUrl: m.callbackUrl,
    receiptVia: m.receiptVia,
    smppReceipt: m.smppReceipt,
    createdAt: m.createdAt,
    expiresAt: m.expiresAt,
    state: m.state,
    attempts: m.attempts,
    finalAt: m.finalAt,
    finalReason: m.finalReason,
    convertedAt: m.convertedAt,
  };
  return copy;
}

/** A new message `id`, accepted at `now`, with no attempt yet; every field written (see above). */
export function newMessage(id: string, input: NewMessage, now: number): Message {
  return copyMessage({
    id,
    account: input.account,
    to: input.to,
    from: input.from,
    country: input.country,
    parts: input.parts,
    textLength: input.text.length,
    clientRef: input.clientRef,
    callbackUrl: input.callbackUrl,
    receiptVia: input.receiptVia,
    smppReceipt: input.smppReceipt,
    createdAt: now,
    expiresAt: now + input.validitySeconds * 1000,
    state: "accepted",
    attempts: [],
  });
}

function withAttempt(message: Message, n: number, change: (attempt: Attempt) => Attempt): Message {
  const next = copyMessage(message);
  next.attempts = message.attempts.map((a) => (a.n === n ? change(a) : a));
  return next;
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
      const next = copyAttempt(attempt);
      next.carrierMessageIds = ids;
      next.partStatus = setPart(attempt.partStatus, part, status);
      return next;
    }
    const next = copyAttempt(attempt);
    if (result.status === "not_sent") {
      next.partStatus = setPart(attempt.partStatus, part, "not_sent");
      next.submitError = result.reason;
      return next;
    }
    next.partStatus = setPart(attempt.partStatus, part, result.status === "failed" ? "failed" : "unknown");
    next.submitError = result.error;
    return next;
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
    const updated = copyAttempt(attempt);
    if (attempt.outcome) {
      updated.lateReceipts = [...(attempt.lateReceipts ?? []), { stat: receipt.stat, at: now, part }];
      return updated;
    }
    updated.receiptStat = receipt.stat;
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
  // A part that never went out: the message cannot arrive whole by this attempt.
  if (parts.includes("not_sent")) return "not_sent";
  if (now < attempt.dlrDeadline) return undefined;
  return parts.some((p) => p === "unknown" || p === "pending") ? "unknown" : "timeout";
}

/**
 * An ended attempt whose every part is now known delivered — before it ended, or by a late DELIVRD for that part
 * (one part's late DELIVRD proves nothing of the others). A late receipt stored without its part (by an earlier
 * version) counts for a one-part attempt only.
 */
function hasLateDelivery(message: Message): Attempt | undefined {
  return message.attempts.find((a) => {
    const late = a.lateReceipts;
    if (!late?.some((r) => r.stat === "DELIVRD")) return false;
    return a.partStatus.every(
      (status, part) =>
        status === "delivered" ||
        late.some((r) => r.stat === "DELIVRD" && (r.part ?? (a.partStatus.length === 1 ? 0 : -1)) === part),
    );
  });
}

/**
 * Records that the person used the code (the submitter's conversion report) at `now`. The first report counts; a
 * repeat returns `message` itself (nothing to store). On a final message it is recorded and changes nothing else
 * (exactly one final state); on one not final, `settle` then delivers it.
 */
export function applyConversion(message: Message, now: number): Message {
  if (message.convertedAt !== undefined) return message;
  const next = copyMessage(message);
  next.convertedAt = now;
  return next;
}

/**
 * The attempt a conversion proves delivered: the one that was delivered (by its receipts or a late DELIVRD), else the
 * one open, else the last (a receipt that never came, or came as a failure, though the code arrived). Undefined when
 * nothing was attempted.
 */
export function conversionCredit(message: Message): Attempt | undefined {
  const attempts = message.attempts;
  return (
    attempts.find((a) => a.outcome === "delivered") ??
    hasLateDelivery(message) ??
    attempts.find((a) => a.outcome === undefined) ??
    attempts[attempts.length - 1]
  );
}

/** A message not final whose code was used: its open attempt delivered it, and nothing more is sent. */
function settleConverted(message: Message, now: number): { message: Message; next: Next } {
  const open = message.attempts.find((a) => !a.outcome);
  const current = open
    ? withAttempt(message, open.n, (a) => {
        const ended = copyAttempt(a);
        ended.outcome = "delivered";
        ended.endedAt = now;
        return ended;
      })
    : message;
  const credited = conversionCredit(current);
  const reason = credited
    ? `code used (conversion reported) after attempt ${credited.n} on ${credited.carrier}`
    : "code used (conversion reported) before any attempt";
  return { message: current, next: { kind: "final", state: "delivered", reason } };
}

/**
 * Decides what happens next and closes the open attempt if its outcome is known. Call after every event and
 * whenever the message's timer fires. Never called on a final message.
 */
export function settle(message: Message, ctx: SettleContext): { message: Message; next: Next } {
  if (message.convertedAt !== undefined) return settleConverted(message, ctx.now);
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
    current = withAttempt(message, open.n, (a) => {
      const ended = copyAttempt(a);
      ended.outcome = outcome;
      ended.endedAt = ctx.now;
      return ended;
    });
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
 * Carriers that may not be tried again: any with an attempt that ended other than "unknown" or "not_sent", and
 * any with two such attempts. (A single unknown outcome may mean the SMS never left, and a not_sent one means it
 * did not, through no fault of the carrier: it earns one more try.)
 */
export function exhaustedCarriers(message: Message): string[] {
  const unknown = new Map<string, number>();
  const exhausted = new Set<string>();
  for (const attempt of message.attempts) {
    if (attempt.outcome === "unknown" || attempt.outcome === "not_sent") {
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

/**
 * `length` times `value`. Not `Array.from({ length }, () => value)`: V8's generic path for an array-like with a
 * mapper took ~850 ns a call on Node 20 where this takes ~35 ns, and every attempt made two (docs/performance.md,
 * session 27).
 */
function filled<T>(length: number, value: T): T[] {
  const array: T[] = [];
  for (let i = 0; i < length; i++) array.push(value);
  return array;
}

/**
 * A new attempt on `carrier` with `parts` parts, its DLR deadline `dlrTimeoutMs` from now. An escalation attempt
 * (`channel` other than sms) has one part and its channel's name as its carrier. `route`: the route's name.
 */
export function startAttempt(
  message: Message,
  carrier: string,
  parts: number,
  now: number,
  dlrTimeoutMs: number,
  channel: Attempt["channel"] = "sms",
  route?: string,
): Message {
  const attempt = copyAttempt({
    n: message.attempts.length + 1,
    channel,
    carrier,
    startedAt: now,
    dlrDeadline: now + dlrTimeoutMs,
    carrierMessageIds: filled(parts, null),
    partStatus: filled<PartStatus>(parts, "pending"),
    route,
  });
  const next = copyMessage(message);
  next.state = "attempting";
  next.attempts = [...message.attempts, attempt];
  return next;
}

export function finalize(message: Message, state: FinalState, reason: string, now: number): Message {
  const next = copyMessage(message);
  next.state = state;
  next.finalAt = now;
  next.finalReason = reason;
  return next;
}
