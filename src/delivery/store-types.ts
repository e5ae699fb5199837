/** The shapes the message store reads and writes (message-store.ts). */
import type { Message } from "./types.js";

/** A message as stored: the document plus the version its next update must be computed from. */
export interface Versioned {
  message: Message;
  version: number;
}

/** Where a carrier's receipt belongs: message, attempt number, part index (0-based). */
export interface ReceiptTarget {
  messageId: string;
  attempt: number;
  part: number;
}

/** One state change: the new document and its side effects, applied atomically if the version still matches. */
export interface Update {
  message: Message;
  /** When the message must be looked at next (DLR deadline, expiry, retry), or null when final. */
  timerAt: number | null;
  final: boolean;
  /** Carrier message ids accepted by this update, to correlate receipts. */
  correlations?: { carrier: string; carrierMessageId: string; target: ReceiptTarget }[];
  /** With `final`: the notification queued in this same step instead of the message entering the outbox. */
  handOver?: HandOverItems;
  /**
   * Sent with the next Redis call that goes (RedisBatch.defer) instead of in one of its own: for a step nobody's
   * answer waits on (a final state: the submitter has its acknowledgement, the carrier waits a few ms longer for
   * its deliver_sm_resp). Default false.
   */
  deferred?: boolean;
}

/** Items appended to a Redis list (bounded, expiring) in the step that makes a message final. */
export interface HandOverItems {
  list: string;
  /** None: nothing to notify (the message still does not enter the outbox; `list` is not used). */
  items: string[];
  ttlMs: number;
  /**
   * False when this list's expiry was pushed to `ttlMs` moments ago (by this process): the step then sets it
   * only if it creates the list, one command less per message for a busy list. Default true.
   */
  refreshExpiry?: boolean;
  maxLength: number;
}
