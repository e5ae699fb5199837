/**
 * Reassembles concatenated messages (UDH 8/16-bit reference or SAR TLVs) from their parts. Parts may arrive out
 * of order and on different binds of the same account. The outcome is drawn once per message, at its first part,
 * so every part's receipt tells the same story. Incomplete messages are forgotten after a timeout.
 */
import type { Outcome } from "./options.js";

/** Most incomplete messages kept at once; beyond it the oldest is dropped (a client sending only first parts). */
const MAX_PENDING_MESSAGES = 100_000;

export interface PartArrival {
  /** Identifies the message: account, addresses and concatenation reference. */
  key: string;
  total: number;
  /** 1-based. */
  seq: number;
  messageId: string;
  /** The part's user data without the UDH. */
  payload: Buffer;
}

export interface PartResult {
  /** The message's outcome (drawn at its first part). */
  outcome: Outcome;
  /** Whether the message's receipts are wanted (taken from its first part). */
  receiptRequested: boolean;
  duplicate: boolean;
  /** Set when this part completed the message. */
  complete?: { messageIds: string[]; payload: Buffer };
}

interface Pending {
  total: number;
  received: number;
  payloads: (Buffer | undefined)[];
  ids: string[][];
  outcome: Outcome;
  receiptRequested: boolean;
  lastAt: number;
}

export class Reassembler {
  private readonly pending = new Map<string, Pending>();
  private lastSweep = 0;

  constructor(private timeoutMs: number) {}

  setTimeout(timeoutMs: number): void {
    this.timeoutMs = timeoutMs;
  }

  get size(): number {
    return this.pending.size;
  }

  /**
   * Adds one part. `first` is called only for the first part seen of a message and returns its outcome and
   * whether receipts were requested.
   */
  add(
    part: PartArrival,
    nowMs: number,
    first: () => { outcome: Outcome; receiptRequested: boolean },
  ): PartResult {
    this.sweep(nowMs);
    let entry = this.pending.get(part.key);
    if (entry === undefined) {
      const drawn = first();
      entry = {
        total: part.total,
        received: 0,
        payloads: new Array<Buffer | undefined>(part.total).fill(undefined),
        ids: Array.from({ length: part.total }, () => []),
        outcome: drawn.outcome,
        receiptRequested: drawn.receiptRequested,
        lastAt: nowMs,
      };
      if (this.pending.size >= MAX_PENDING_MESSAGES) this.dropOldest();
      this.pending.set(part.key, entry);
    }
    entry.lastAt = nowMs;
    const index = part.seq - 1;
    entry.ids[index]?.push(part.messageId);
    const result: PartResult = {
      outcome: entry.outcome,
      receiptRequested: entry.receiptRequested,
      duplicate: entry.payloads[index] !== undefined,
    };
    if (!result.duplicate) {
      // Copy: the frame may be a slice of a large socket chunk that should not stay alive meanwhile.
      entry.payloads[index] = Buffer.from(part.payload);
      entry.received++;
    }
    if (entry.received === entry.total) {
      this.pending.delete(part.key);
      result.complete = {
        messageIds: entry.ids.flat(),
        payload: Buffer.concat(entry.payloads as Buffer[]),
      };
    }
    return result;
  }

  clear(): void {
    this.pending.clear();
  }

  /** At most once a second: drop messages whose last part is older than the timeout. */
  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweep < 1000) return;
    this.lastSweep = nowMs;
    for (const [key, entry] of this.pending) {
      if (nowMs - entry.lastAt > this.timeoutMs) this.pending.delete(key);
    }
  }

  private dropOldest(): void {
    for (const key of this.pending.keys()) {
      this.pending.delete(key);
      return;
    }
  }
}
