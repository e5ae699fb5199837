/**
 * One receipt going back to an ESME: built from a message in its final state, stored as JSON in the system_id's
 * Redis list, and encoded as a deliver_sm (esm_class 0x04) for the session that carries it.
 */
import type { Message } from "../../delivery/types.js";
import { EsmClass } from "../../smpp/constants.js";
import { formatReceiptText, messageStateFor, type ReceiptStat } from "../../smpp/receipt.js";
import { partId } from "./concat-store.js";
import type smpp from "smpp";

export interface ReceiptJob {
  /** The id the ESME was given in submit_sm_resp (ours, or `<setId>-<seq>` for a part). */
  id: string;
  stat: ReceiptStat;
  err: string;
  submitDate: number;
  doneDate: number;
  /** The handset (the submit's destination), E.164 without "+". */
  handset: string;
  /** The submit's source_addr. */
  sender: string;
  /** When it was queued: a job older than the retention is dropped unsent. */
  queuedAt: number;
}

/** Interface versions from which TLVs may be sent (SMPP-NOTES B.4: none to 0x33 and below). */
export const TLV_MIN_INTERFACE_VERSION = 0x34;

const STAT_BY_STATE: Record<string, ReceiptStat> = {
  delivered: "DELIVRD",
  undeliverable: "UNDELIV",
  expired: "EXPIRED",
  rejected: "REJECTD",
};

/** A final message's receipt stat and err (the last attempt's receipt err for a failure, "000" when delivered). */
export function finalStatOf(message: Message): { stat: ReceiptStat; err: string } {
  const stat = STAT_BY_STATE[message.state] ?? "UNKNOWN";
  const last = message.attempts[message.attempts.length - 1];
  return { stat, err: stat === "DELIVRD" ? "000" : (last?.receiptErr ?? "000") };
}

/** The receipts for a final message: one, or one per part id (`<setId>-1` … `<setId>-<total>`). */
export function receiptJobs(
  message: Message,
  parts: { id: string; total: number } | undefined,
  now: number,
): ReceiptJob[] {
  const { stat, err } = finalStatOf(message);
  const base = {
    stat,
    err,
    submitDate: message.createdAt,
    doneDate: message.finalAt ?? now,
    handset: message.to.replace(/^\+/, ""),
    sender: message.from,
    queuedAt: now,
  };
  if (!parts) return [{ id: message.id, ...base }];
  return Array.from({ length: parts.total }, (_, i) => ({ id: partId(parts.id, i + 1), ...base }));
}

/**
 * A job as stored in the Redis list: a JSON array of its fields in a fixed order, about half the size of the
 * object form (written twice per receipt to the AOF — queued, then removed — and held while an ESME is away).
 * The item is also the job's identity in the list: the same job always encodes to the same string.
 */
export function encodeJob(job: ReceiptJob): string {
  return JSON.stringify([
    job.id,
    job.stat,
    job.err,
    job.submitDate,
    job.doneDate,
    job.handset,
    job.sender,
    job.queuedAt,
  ]);
}

/**
 * An encoded job stamped with the instance that will send it from memory and until when (epoch ms) it does:
 * `<owner>:<deadline>|<job>`, owner in lowercase hex. The scan (RECEIPTS_CLAIM) reads the stamp with one
 * anchored `string.match` and leaves the item to its owner until the deadline. The stamp is part of the item's
 * identity in the list (its removal names the stamped string).
 */
export function stampJob(item: string, owner: string, deadline: number): string {
  return `${owner}:${deadline}|${item}`;
}

/** The stamp `stampJob` writes, anchored at the item's start. */
const STAMP = /^[0-9a-f]+:\d+\|/;

/**
 * The job of a stored item: the array form, or the object form queued by earlier versions, either of them
 * stamped (`stampJob`) or not (items queued by earlier versions, or not to be sent from memory).
 * @throws Error when the item is neither (it can never be sent).
 */
export function decodeJob(item: string): ReceiptJob {
  // JSON starts with '[' or '{': anything else may only be a stamp before it.
  const first = item.charCodeAt(0);
  const stamp = first === 0x5b || first === 0x7b ? undefined : STAMP.exec(item);
  let value: unknown;
  try {
    value = JSON.parse(stamp ? item.slice(stamp[0].length) : item);
  } catch {
    // Not V8's message: it quotes the text around the error, which holds the handset's number.
    throw new Error("receipt job is not JSON");
  }
  if (Array.isArray(value)) {
    const [id, stat, err, submitDate, doneDate, handset, sender, queuedAt] = value as unknown[];
    const job = { id, stat, err, submitDate, doneDate, handset, sender, queuedAt };
    if (isJob(job)) return job;
  } else if (isJob(value)) {
    return value;
  }
  throw new Error("not a receipt job");
}

/** The stats a job can carry (see `finalStatOf`): another can never be sent (no message_state for it). */
const JOB_STATS: ReadonlySet<string> = new Set<string>([...Object.values(STAT_BY_STATE), "UNKNOWN"]);

function isJob(value: unknown): value is ReceiptJob {
  if (typeof value !== "object" || value === null) return false;
  const job = value as Record<string, unknown>;
  return (
    typeof job.id === "string" &&
    typeof job.stat === "string" &&
    JOB_STATS.has(job.stat) &&
    typeof job.err === "string" &&
    typeof job.submitDate === "number" &&
    typeof job.doneDate === "number" &&
    typeof job.handset === "string" &&
    typeof job.sender === "string" &&
    typeof job.queuedAt === "number"
  );
}

/** deliver_sm fields for `job` on a session bound with `interfaceVersion` (≤ 0x33: text only, no TLVs). */
export function receiptFields(job: ReceiptJob, interfaceVersion: number): smpp.PduFields {
  const text = formatReceiptText({
    messageId: job.id,
    stat: job.stat,
    err: job.err,
    submitDate: new Date(job.submitDate),
    doneDate: new Date(job.doneDate),
    dlvrd: job.stat === "DELIVRD" ? 1 : 0,
    sub: 1,
  });
  const numericSender = /^\d+$/.test(job.sender);
  const fields: smpp.PduFields = {
    source_addr_ton: 1,
    source_addr_npi: 1,
    source_addr: job.handset,
    dest_addr_ton: numericSender ? 1 : 5,
    dest_addr_npi: numericSender ? 1 : 0,
    destination_addr: job.sender,
    esm_class: EsmClass.DELIVERY_RECEIPT,
    // The receipt text is letters, digits, spaces, ':' and '-': the same bytes in GSM 03.38 and ASCII.
    data_coding: 0,
    short_message: Buffer.from(text, "latin1"),
  };
  if (interfaceVersion >= TLV_MIN_INTERFACE_VERSION) {
    fields.receipted_message_id = job.id;
    fields.message_state = messageStateFor(job.stat);
  }
  return fields;
}
