/**
 * A stored message as `otpgw messages show` reports it to the NOC: what the submitter sees (GET /v1/messages/{id},
 * north/message-view.ts) plus what support needs to chase it with a carrier — the account, the country, each
 * part's carrier message id, when the gateway looks at the message next and whether its notification is still
 * waiting. The destination stays masked and the text is never read (only its length is stored in the document).
 * Pure: the command reads Redis, this renders.
 */
import type { Attempt, Message } from "../delivery/types.js";
import { formatRemaining } from "../ops/carrier-controls.js";
import { toAttemptView, toMessageView, type AttemptView, type MessageView } from "../north/message-view.js";
import { renderTable } from "./text-table.js";

/** What the command read about one message. */
export interface MessageFacts {
  message: Message;
  /** When the gateway looks at the message next (its timer), null when it has none (final). */
  timerAt: number | null;
  /** Its webhook or SMPP receipt still waits in the outbox to be handed over. */
  inOutbox: boolean;
  /** How it was found, when by a carrier's message id. */
  byCarrierId?: { carrier: string; carrierMessageId: string; attempt: number; part: number };
}

export interface AttemptReport extends AttemptView {
  /** The carrier's message id of each part (null: not accepted), as receipts are matched by. */
  carrier_message_ids: (string | null)[];
}

/** The JSON form (`--json`): the API's view with the operator's fields. */
export interface MessageReport extends Omit<MessageView, "attempts"> {
  account: string;
  country: string;
  text_length: number;
  receipt_via: Message["receiptVia"];
  /** The webhook's origin (scheme, host, port): its path and query may hold the submitter's tokens. */
  callback_origin: string | null;
  next_check_at: string | null;
  notification_pending: boolean;
  attempts: AttemptReport[];
  found_by_carrier_id?: { carrier: string; carrier_message_id: string; attempt: number; part: number };
}

/** The scheme, host and port of a webhook URL, or "(not a URL)". */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(not a URL)";
  }
}

export function messageReport(facts: MessageFacts): MessageReport {
  const { message } = facts;
  const view = toMessageView(message);
  const found = facts.byCarrierId;
  return {
    ...view,
    account: message.account,
    country: message.country,
    text_length: message.textLength,
    receipt_via: message.receiptVia,
    callback_origin: message.callbackUrl === undefined ? null : originOf(message.callbackUrl),
    next_check_at: facts.timerAt === null ? null : new Date(facts.timerAt).toISOString(),
    notification_pending: facts.inOutbox,
    attempts: message.attempts.map((attempt) => ({
      ...toAttemptView(attempt),
      carrier_message_ids: [...attempt.carrierMessageIds],
    })),
    ...(found && {
      found_by_carrier_id: {
        carrier: found.carrier,
        carrier_message_id: found.carrierMessageId,
        attempt: found.attempt,
        // 1-based, as people count parts (the store's target is 0-based).
        part: found.part + 1,
      },
    }),
  };
}

/** `+1.234 s` after the message was created. */
function sinceCreated(message: Message, at: number | undefined): string {
  return at === undefined ? "-" : `+${((at - message.createdAt) / 1000).toFixed(3)} s`;
}

/** `in 4m 58s` or `3m ago`, from `now`. */
function relative(at: number, now: number): string {
  return at >= now ? `in ${formatRemaining(at - now)}` : `${formatRemaining(now - at)} ago`;
}

/** What the timer at `timerAt` is for, as far as the document tells. */
function timerReason(message: Message, timerAt: number): string {
  const last: Attempt | undefined = message.attempts.at(-1);
  if (last && last.endedAt === undefined && last.dlrDeadline === timerAt)
    return `attempt ${last.n}'s DLR deadline`;
  if (timerAt === message.expiresAt) return "the OTP's expiry";
  return last === undefined ? "its first attempt" : "its next attempt or a recheck";
}

function receiptLine(facts: MessageFacts): string {
  const { message } = facts;
  const pending = isFinalWithNotice(facts)
    ? facts.inOutbox
      ? " (waiting in the outbox to be handed over)"
      : " (handed over)"
    : "";
  if (message.receiptVia === "webhook")
    return `webhook to ${message.callbackUrl === undefined ? "?" : originOf(message.callbackUrl)}${pending}`;
  if (message.receiptVia === "smpp") {
    const receipt = message.smppReceipt;
    const which = receipt?.failuresOnly ? "failures only, " : "";
    const parts = receipt?.set ? `one per part id ${receipt.set.id}-1…${receipt.set.total}, ` : "";
    return `SMPP deliver_sm on the account's binds (${which}${parts}retried until answered)${pending}`;
  }
  return "none asked";
}

function isFinalWithNotice(facts: MessageFacts): boolean {
  return facts.message.finalAt !== undefined && facts.message.receiptVia !== "none";
}

function attemptRows(message: Message): string[][] {
  return message.attempts.map((a) => [
    String(a.n),
    a.channel,
    a.carrier,
    a.route ?? "-",
    sinceCreated(message, a.startedAt),
    sinceCreated(message, a.endedAt),
    a.outcome ?? "(open)",
    [a.receiptStat, a.receiptErr !== undefined && `err:${a.receiptErr}`].filter(Boolean).join(" ") || "-",
    a.partStatus.join(","),
    a.carrierMessageIds.map((id) => id ?? "-").join(","),
    a.submitError ?? "",
  ]);
}

/** The report for people: a header block, the attempts as a table, late receipts. */
export function renderMessageReport(facts: MessageFacts, now: number): string {
  const { message } = facts;
  const view = toMessageView(message);
  const lines: string[] = [];
  const found = facts.byCarrierId;
  if (found)
    lines.push(
      `${found.carrier}'s message id ${found.carrierMessageId} is part ${found.part + 1} of attempt ${found.attempt} of:`,
    );
  const field = (name: string, value: string) => lines.push(`  ${name.padEnd(10)} ${value}`);
  lines.push(`message ${message.id}, account ${message.account}`);
  field(
    "to",
    `${view.to} (${message.country}), from ${message.from}, ${message.parts} part${message.parts === 1 ? "" : "s"} ` +
      `(${message.textLength} characters; the text is never shown)`,
  );
  if (message.clientRef !== undefined) field("client ref", message.clientRef);
  field("state", `${message.state}${message.finalReason ? `: ${message.finalReason}` : ""}`);
  field("created", view.created_at);
  field("expires", `${view.expires_at} (${relative(message.expiresAt, now)})`);
  if (message.finalAt !== undefined)
    field(
      "final",
      `${view.final_at!}, ${((message.finalAt - message.createdAt) / 1000).toFixed(3)} s after it was created`,
    );
  if (message.convertedAt !== undefined)
    field("converted", `${view.converted_at!}: the account reported the code used`);
  field("receipts", receiptLine(facts));
  if (facts.timerAt !== null)
    field(
      "next look",
      `${new Date(facts.timerAt).toISOString()} (${relative(facts.timerAt, now)}): ${timerReason(message, facts.timerAt)}`,
    );
  lines.push("");
  if (message.attempts.length === 0) lines.push("no attempt yet");
  else
    lines.push(
      renderTable(
        [
          "#",
          "channel",
          "carrier",
          "route",
          "started",
          "ended",
          "outcome",
          "receipt",
          "parts",
          "carrier ids",
          "error",
        ],
        attemptRows(message),
      ),
    );
  const late = message.attempts.flatMap((a) =>
    (a.lateReceipts ?? []).map(
      (r) =>
        `  attempt ${a.n}${r.part === undefined ? "" : ` part ${r.part + 1}`}: ${r.stat}, ${sinceCreated(message, r.at)} (after the attempt ended: recorded, not acted on)`,
    ),
  );
  if (late.length > 0) lines.push("", "late receipts", ...late);
  return `${lines.join("\n")}\n`;
}
