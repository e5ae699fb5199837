import type { ReceiptTarget } from "./message-store.js";
import { correlationKey } from "./submit-results.js";
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
  private readonly correlations = new Map<string, ReceiptTarget>();
  private readonly maxEntries: number;

  constructor(maxEntries = DEFAULT_MAX_ENTRIES) {
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.texts.size + this.correlations.size;
  }

  setText(id: string, text: string): void {
    this.texts.set(id, text);
    this.bound();
  }

  text(id: string): string | undefined {
    return this.texts.get(id);
  }

  correlate(carrier: string, carrierMessageId: string, target: ReceiptTarget): void {
    this.correlations.set(correlationKey(carrier, carrierMessageId), target);
    this.bound();
  }

  target(carrier: string, carrierMessageId: string): ReceiptTarget | undefined {
    return this.correlations.get(correlationKey(carrier, carrierMessageId));
  }

  /** Drops the text and the correlations of every attempt of a message that reached its final state. */
  forget(message: Message): void {
    this.texts.delete(message.id);
    for (const attempt of message.attempts) {
      for (const id of attempt.carrierMessageIds) {
        if (id !== null) this.correlations.delete(correlationKey(attempt.carrier, id));
      }
    }
  }

  private bound(): void {
    while (this.texts.size + this.correlations.size > this.maxEntries) {
      const map = this.texts.size >= this.correlations.size ? this.texts : this.correlations;
      const oldest = map.keys().next();
      if (oldest.done) return;
      map.delete(oldest.value);
    }
  }
}
