/**
 * The message model shared by north (accepting), delivery (lifecycle) and the store. See DESIGN.md,
 * "The lifecycle of a message". Times are ms since the epoch.
 */
import type { ChannelId } from "../escalation/channel-types.js";

export type MessageState = "accepted" | "attempting" | "delivered" | "undeliverable" | "expired" | "rejected";
export type FinalState = "delivered" | "undeliverable" | "expired" | "rejected";

export const FINAL_STATES: ReadonlySet<MessageState> = new Set<MessageState>([
  "delivered",
  "undeliverable",
  "expired",
  "rejected",
]);

export function isFinal(state: MessageState): state is FinalState {
  return FINAL_STATES.has(state);
}

/** Per-part progress within one attempt. */
export type PartStatus = "pending" | "accepted" | "delivered" | "failed" | "unknown" | "not_sent";

/** How one attempt ended. */
export type AttemptOutcome =
  | "delivered" // every part has a DELIVRD receipt
  | "failed" // a part got a failed receipt (UNDELIV, REJECTD, EXPIRED, UNKNOWN, DELETED)
  | "rejected" // the carrier refused a part at submit (permanent or retry status)
  | "timeout" // no final receipt for every part before the DLR deadline
  | "unknown" // a part's submit outcome is unknown (link dropped / no response) and its DLR deadline passed
  | "not_sent"; // a part was never written to the carrier (its queue held it too long, or it was withdrawn)

export interface Attempt {
  /** 1-based attempt number. */
  n: number;
  /** SMS over a carrier, or a channel escalated to (its `carrier` is then the channel's name too). */
  channel: "sms" | ChannelId;
  carrier: string;
  startedAt: number;
  /** No final receipt by then → the attempt times out (route's dlr_timeout). */
  dlrDeadline: number;
  /** Carrier message id per part (normalised), null until the part is accepted. */
  carrierMessageIds: (string | null)[];
  partStatus: PartStatus[];
  /** command_status name of a refused submit, e.g. "ESME_RINVDSTADR", or why a part was not sent. */
  submitError?: string;
  /** Latest receipt stat seen for this attempt, e.g. "DELIVRD", "UNDELIV". */
  receiptStat?: string;
  /** Receipt `err` field of a failed receipt, if any. */
  receiptErr?: string;
  outcome?: AttemptOutcome;
  endedAt?: number;
  /**
   * Receipts that arrived after the attempt ended (recorded, never forwarded), e.g. a late DELIVRD, with the part
   * each is for (absent in documents stored before it was recorded).
   */
  lateReceipts?: { stat: string; at: number; part?: number }[];
  /**
   * The route (routes.yaml `name`) the attempt was planned on, also for a channel escalated to; absent in documents
   * stored before it was recorded, and when no route matched.
   */
  route?: string;
}

export interface Message {
  /** otpgw's message id (returned in the 202 / submit_sm_resp). */
  id: string;
  account: string;
  /** E.164 destination with "+". */
  to: string;
  from: string;
  /** ISO 3166-1 alpha-2 country of `to` (from the numbering plan). */
  country: string;
  /** Number of SMS parts the text needs (for display; every attempt re-encodes). */
  parts: number;
  textLength: number;
  clientRef?: string;
  callbackUrl?: string;
  /** How the submitter asked to be told: webhook (HTTP) or receipt on its SMPP bind. */
  receiptVia: "webhook" | "smpp" | "none";
  /** What an SMPP receipt needs beyond the message: failures only (registered_delivery 2), the part ids. */
  smppReceipt?: SmppReceiptRequest;
  createdAt: number;
  /** The OTP's validity ends here: no attempt starts after it (or too close to it). */
  expiresAt: number;
  state: MessageState;
  attempts: Attempt[];
  finalAt?: number;
  /** Why the message ended as it did, e.g. "delivered by id-telkomsel", "all carriers tried", "validity ended". */
  finalReason?: string;
  /**
   * When the submitter reported that the person used the code (POST /v1/messages/{id}/conversion): the one proof
   * that the OTP arrived. A message not yet final when it comes is delivered at once (no further attempt).
   */
  convertedAt?: number;
}

/** What north hands to delivery for a new message. */
export interface NewMessage {
  account: string;
  to: string;
  from: string;
  country: string;
  text: string;
  parts: number;
  validitySeconds: number;
  clientRef?: string;
  callbackUrl?: string;
  receiptVia: Message["receiptVia"];
  /** Idempotency key scoped to the account; a repeat returns the first message. */
  idempotencyKey?: string;
  smppReceipt?: SmppReceiptRequest;
  /** Take one from the account's rate budget in the same step as storing (over it: nothing stored). */
  rateLimit?: { key: string; perSecond: number };
  /** Anti-abuse volume limits, counted in the same step as storing (one reached: nothing stored nor counted). */
  volumeLimits?: readonly VolumeLimit[];
}

/**
 * An anti-abuse volume limit: at most `messages` accepted in a fixed window of `windowMs` from the first, counted
 * under `key` (src/north/accounts/volume-limits.ts).
 */
export interface VolumeLimit {
  key: string;
  messages: number;
  windowMs: number;
  /** What is limited: one number, or one range of numbers (for the error and the metric). */
  kind: "number" | "range";
}

export interface SmppReceiptRequest {
  /** registered_delivery 2: a receipt for a failed message only. */
  failuresOnly?: true;
  /** A reassembled concatenated submission: one receipt per part id `<setId>-<seq>`, seq 1..total. */
  set?: { id: string; total: number };
}
