import type { ReceiptTarget } from "./message-store.js";
import type { Message } from "./types.js";

/** Entries kept at most (texts + correlations); beyond, the oldest go first and are read from Redis instead. */
const DEFAULT_MAX_ENTRIES = 1_000_000;

/**
 * What this process knows about the messages it is delivering, so the hot path does not read back what it
 * wrote: the text of a message whose first attempt is still to be planned (one planned with the message at
 * accept has its parts encoded and keeps no text here; a reroute reads it back), and the carrier message ids
 * of its accepted parts (a
 * receipt finds its message without a lookup; one accepted before its submit result reached Redis finds it at
 * all). Only a cache: Redis stays the truth, and everything here is forgotten at the final state or when the
 * bound is reached (oldest first), after which the store answers.
 */
export class LocalIndex {
  private readonly texts = new Map<string, string>();
  /**
   * carrier → carrier message id → target. Two levels instead of one map keyed by "carrier + id": the ids come
   * from the PDUs as flat strings, so nothing is concatenated per lookup, and no key string per entry is kept.
   */
  private readonly correlations = new Map<string, Map<string, ReceiptTarget>>();
  private correlationCount = 0;
  private readonly maxEntries: number;

  constructor(maxEntries = DEFAULT_MAX_ENTRIES) {
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.texts.size + this.correlationCount;
  }

  setText(id: string, text: string): void {
    this.texts.set(id, text);
    this.bound();
  }

  text(id: string): string | undefined {
    return this.texts.get(id);
  }

  correlate(carrier: string, carrierMessageId: string, target: ReceiptTarget): void {
    let ids = this.correlations.get(carrier);
    if (!ids) this.correlations.set(carrier, (ids = new Map<string, ReceiptTarget>()));
    const before = ids.size;
    ids.set(carrierMessageId, target);
    this.correlationCount += ids.size - before;
    this.bound();
  }

  target(carrier: string, carrierMessageId: string): ReceiptTarget | undefined {
    return this.correlations.get(carrier)?.get(carrierMessageId);
  }

  /** Drops the text and the correlations of every attempt of a message that reached its final state. */
  forget(message: Message): void {
    this.texts.delete(message.id);
    for (const attempt of message.attempts) {
      const ids = this.correlations.get(attempt.carrier);
      if (!ids) continue;
      for (const id of attempt.carrierMessageIds) {
        if (id !== null && ids.delete(id)) this.correlationCount--;
      }
    }
  }

  private bound(): void {
    while (this.size > this.maxEntries) {
      if (this.texts.size >= this.correlationCount) {
        const oldest = this.texts.keys().next();
        if (oldest.done) return;
        this.texts.delete(oldest.value);
        continue;
      }
      // The oldest correlation of the carrier holding the most.
      let largest: Map<string, ReceiptTarget> | undefined;
      for (const ids of this.correlations.values()) if (!largest || ids.size > largest.size) largest = ids;
      const oldest = largest?.keys().next();
      if (!largest || !oldest || oldest.done) return;
      largest.delete(oldest.value);
      this.correlationCount--;
    }
  }
}
