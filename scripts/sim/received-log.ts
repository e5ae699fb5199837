/**
 * The messages the simulator accepted, as whole messages (parts reassembled), in arrival order of their last
 * part. Bounded: a ring keeps the last `limit`, so a long benchmark cannot grow memory without end.
 */
import type { Outcome } from "./options.js";

export interface ReceivedMessage {
  systemId: string;
  /** `<systemId>#<sessionId>` of the bind the (last) part came on. */
  bindId: string;
  sessionId: number;
  /** The submit_sm_resp message_id of every part PDU in sequence order (a resubmitted part adds its own id). */
  messageIds: string[];
  source: string;
  destination: string;
  dataCoding: number;
  /** validity_period as written by the client (raw SMPP time; "" when absent). For multi-part: the last part's. */
  validityPeriod: string;
  /** Decoded with otpgw's codec. Kept in memory for tests; never logged. */
  text: string;
  parts: number;
  /** ms since the epoch when the message was complete. */
  receivedAt: number;
  /** The outcome the simulator chose (every part gets it). */
  outcome: Outcome;
  /** Whether receipts will be sent for it (an outcome other than "none" that registered_delivery asked for). */
  receiptRequested: boolean;
}

export class ReceivedLog {
  private ring: (ReceivedMessage | undefined)[] = [];
  private next = 0;
  private count = 0;
  private limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Changes the bound, keeping the most recent entries. */
  setLimit(limit: number): void {
    if (limit === this.limit) return;
    const kept = this.all().slice(-limit);
    this.limit = limit;
    this.ring = kept;
    this.count = kept.length;
    this.next = kept.length % Math.max(1, limit);
  }

  add(message: ReceivedMessage): void {
    if (this.limit === 0) return;
    this.ring[this.next] = message;
    this.next = (this.next + 1) % this.limit;
    if (this.count < this.limit) this.count++;
  }

  get size(): number {
    return this.count;
  }

  /** Oldest first. */
  all(): ReceivedMessage[] {
    if (this.count < this.limit) return this.ring.slice(0, this.count) as ReceivedMessage[];
    return [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)] as ReceivedMessage[];
  }

  clear(): void {
    this.ring = [];
    this.next = 0;
    this.count = 0;
  }
}
