import type { ReceiptTarget } from "./message-store.js";
import type { Message } from "./types.js";

/**
 * Entries kept at most (texts + correlations); beyond, the oldest go first and are read from Redis instead. A
 * correlation holds ~300 bytes of heap: 250,000 is ~75 MB, four minutes of receipts at a thousand messages a second.
 */
const DEFAULT_MAX_ENTRIES = 250_000;
/**
 * How long an entry stays at least (and at most twice as long): receipts come within seconds, and an OTP's validity
 * is minutes. Without an age limit, an entry whose message another instance made final (the receipt came on that
 * instance's bind) stayed until the size bound pushed it out: in a fleet every instance sat at the bound.
 */
const DEFAULT_GENERATION_MS = 5 * 60_000;

/** One generation of entries: what was written within one `generationMs`. */
class Generation {
  readonly texts = new Map<string, string>();
  /**
   * carrier → carrier message id → target. Two levels instead of one map keyed by "carrier + id": the ids come
   * from the PDUs as flat strings, so nothing is concatenated per lookup, and no key string per entry is kept.
   */
  readonly correlations = new Map<string, Map<string, ReceiptTarget>>();
  correlationCount = 0;

  get size(): number {
    return this.texts.size + this.correlationCount;
  }

  target(carrier: string, carrierMessageId: string): ReceiptTarget | undefined {
    return this.correlations.get(carrier)?.get(carrierMessageId);
  }

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

  /** Drops the oldest entry (a text, or the oldest correlation of the carrier holding the most); false when empty. */
  dropOldest(): boolean {
    if (this.texts.size > 0 && this.texts.size >= this.correlationCount) {
      this.texts.delete(this.texts.keys().next().value!);
      return true;
    }
    let largest: Map<string, ReceiptTarget> | undefined;
    for (const ids of this.correlations.values()) if (!largest || ids.size > largest.size) largest = ids;
    const oldest = largest?.keys().next();
    if (!largest || !oldest || oldest.done) return false;
    largest.delete(oldest.value);
    this.correlationCount--;
    return true;
  }
}

/**
 * What this process knows about the messages it is delivering, so the hot path does not read back what it
 * wrote: the text of a message whose first attempt is still to be planned (one planned with the message at
 * accept has its parts encoded and keeps no text here; a reroute reads it back), and the carrier message ids
 * of its accepted parts (a receipt finds its message without a lookup; one accepted before its submit result
 * reached Redis finds it at all). Only a cache: Redis stays the truth. Everything here is forgotten at the final
 * state, after `generationMs` to twice that (two generations: the older one is dropped whole when the newer one
 * has been written for `generationMs`), or when the size bound is reached (oldest first); the store answers then.
 */
export class LocalIndex {
  private current = new Generation();
  private previous = new Generation();
  private readonly maxEntries: number;
  private readonly generationMs: number;
  private readonly clock: () => number;
  private generationStartedAt: number;

  constructor(
    maxEntries = DEFAULT_MAX_ENTRIES,
    generationMs = DEFAULT_GENERATION_MS,
    clock: () => number = Date.now,
  ) {
    this.maxEntries = maxEntries;
    this.generationMs = generationMs;
    this.clock = clock;
    this.generationStartedAt = clock();
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  setText(id: string, text: string): void {
    this.age();
    this.current.texts.set(id, text);
    this.bound();
  }

  text(id: string): string | undefined {
    return this.current.texts.get(id) ?? this.previous.texts.get(id);
  }

  correlate(carrier: string, carrierMessageId: string, target: ReceiptTarget): void {
    this.age();
    const generation = this.current;
    let ids = generation.correlations.get(carrier);
    if (!ids) generation.correlations.set(carrier, (ids = new Map<string, ReceiptTarget>()));
    const before = ids.size;
    ids.set(carrierMessageId, target);
    generation.correlationCount += ids.size - before;
    this.bound();
  }

  target(carrier: string, carrierMessageId: string): ReceiptTarget | undefined {
    return this.current.target(carrier, carrierMessageId) ?? this.previous.target(carrier, carrierMessageId);
  }

  /** Drops the text and the correlations of every attempt of a message that reached its final state. */
  forget(message: Message): void {
    this.current.forget(message);
    this.previous.forget(message);
  }

  /**
   * Starts a new generation once the current one is `generationMs` old, dropping the one before it (both, when
   * nothing was written for twice that: the current one's entries are that old too).
   */
  private age(): void {
    const now = this.clock();
    const elapsed = now - this.generationStartedAt;
    if (elapsed < this.generationMs) return;
    this.previous = elapsed < 2 * this.generationMs ? this.current : new Generation();
    this.current = new Generation();
    this.generationStartedAt = now;
  }

  private bound(): void {
    while (this.size > this.maxEntries) {
      if (!this.previous.dropOldest() && !this.current.dropOldest()) return;
    }
  }
}
