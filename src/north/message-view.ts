/**
 * A message as north shows it to its submitter (GET /v1/messages/:id and webhooks): snake_case, ISO 8601
 * times, the destination masked, never the text. One function so the API and the webhook cannot drift apart.
 */
import type { Attempt, AttemptOutcome, Message, MessageState, PartStatus } from "../delivery/types.js";
import { maskMsisdn } from "../observability/mask.js";

export interface AttemptView {
  n: number;
  channel: Attempt["channel"];
  carrier: string;
  started_at: string;
  /** No final receipt by then and the attempt times out. */
  dlr_deadline: string;
  ended_at: string | null;
  outcome: AttemptOutcome | null;
  /** One status per SMS part, in order. */
  part_statuses: PartStatus[];
  /** command_status name of a refused submit, e.g. "ESME_RINVDSTADR". */
  submit_error: string | null;
  /** Latest receipt stat, e.g. "DELIVRD", "UNDELIV". */
  receipt_stat: string | null;
  receipt_err: string | null;
  /** Receipts that arrived after the attempt ended: recorded, never acted on. */
  late_receipts: { stat: string; at: string }[];
  /** The route (routes.yaml name) it was planned on; null for messages stored before it was recorded. */
  route: string | null;
}

export interface MessageView {
  id: string;
  state: MessageState;
  /** The destination, masked: `+6281******90`. */
  to: string;
  from: string;
  parts: number;
  client_ref: string | null;
  created_at: string;
  expires_at: string;
  final_at: string | null;
  final_reason: string | null;
  /** When the submitter reported that the person used the code (POST /v1/messages/{id}/conversion). */
  converted_at: string | null;
  attempts: AttemptView[];
}

/** The ISO 8601 text of the minute `isoTime` formatted last (`2026-11-22T23:41:`), and the ms it spans. */
let minutePrefix = "";
let minuteStart = 0;
let minuteEnd = -1;

/**
 * `new Date(ms).toISOString()`, ten times cheaper for times in the minute of the previous call: the minute's text
 * is kept, and only seconds and milliseconds are written (47 instead of 487 ns here). Every message's 202 and
 * webhook carry several times of the same minute.
 */
export function isoTime(ms: number): string {
  if (ms >= minuteStart && ms < minuteEnd && Number.isInteger(ms)) {
    const inMinute = ms - minuteStart;
    const seconds = Math.floor(inMinute / 1000);
    const millis = inMinute - seconds * 1000;
    return `${minutePrefix}${seconds < 10 ? "0" : ""}${seconds}.${millis < 10 ? "00" : millis < 100 ? "0" : ""}${millis}Z`;
  }
  const text = new Date(ms).toISOString();
  // Whole-ms times after 1970 within the years 0000–9999 only (the text's layout is then fixed).
  if (Number.isInteger(ms) && ms >= 0 && text.length === 24) {
    minuteStart = ms - (ms % 60_000);
    minuteEnd = minuteStart + 60_000;
    minutePrefix = text.slice(0, 17);
  }
  return text;
}

export function toAttemptView(attempt: Attempt): AttemptView {
  return {
    n: attempt.n,
    channel: attempt.channel,
    carrier: attempt.carrier,
    started_at: isoTime(attempt.startedAt),
    dlr_deadline: isoTime(attempt.dlrDeadline),
    ended_at: attempt.endedAt === undefined ? null : isoTime(attempt.endedAt),
    outcome: attempt.outcome ?? null,
    part_statuses: [...attempt.partStatus],
    submit_error: attempt.submitError ?? null,
    receipt_stat: attempt.receiptStat ?? null,
    receipt_err: attempt.receiptErr ?? null,
    late_receipts: (attempt.lateReceipts ?? []).map((late) => ({ stat: late.stat, at: isoTime(late.at) })),
    route: attempt.route ?? null,
  };
}

export function toMessageView(message: Message): MessageView {
  return {
    id: message.id,
    state: message.state,
    to: maskMsisdn(message.to),
    from: message.from,
    parts: message.parts,
    client_ref: message.clientRef ?? null,
    created_at: isoTime(message.createdAt),
    expires_at: isoTime(message.expiresAt),
    final_at: message.finalAt === undefined ? null : isoTime(message.finalAt),
    final_reason: message.finalReason ?? null,
    converted_at: message.convertedAt === undefined ? null : isoTime(message.convertedAt),
    attempts: message.attempts.map(toAttemptView),
  };
}
