/**
 * One carrier's conversions on one route: of the messages it delivered for accounts that report conversions, how
 * many had their code used (docs/routing.md, "Conversions"). A conversion comes after its delivery — seconds to
 * minutes later — so both are counted by the time of the delivery, and only deliveries at least `waitMs` old are
 * judged: by then the people who were going to use their code have (a fresher delivery would count as not used
 * yet). The judged window is the `windowMs` before that.
 *
 * Buckets a tenth of the window long, in a ring that also holds the deliveries still waiting; recording is O(1),
 * reading sums ten buckets, and nothing allocates after creation. Pure: the caller passes the times.
 */
import { WINDOW_BUCKETS } from "./health-window.js";

/** Matured figures: deliveries judged, and how many of them were converted. */
export interface ConversionFigures {
  delivered: number;
  converted: number;
}

export class ConversionWindow {
  readonly #bucketMs: number;
  /** Buckets a delivery waits before it is judged (rounded up). */
  readonly #waitMs: number;
  readonly #slots: number;
  readonly #delivered: Uint32Array;
  readonly #converted: Uint32Array;
  /** Which bucket number (time / bucketMs) each slot holds; -1: none. */
  readonly #slotBucket: Float64Array;

  constructor(windowMs: number, waitMs: number) {
    this.#bucketMs = Math.max(1, windowMs / WINDOW_BUCKETS);
    this.#waitMs = waitMs;
    // The judged buckets, the waiting ones (at most ceil(wait / bucket) + 1 of them, the current one included).
    this.#slots = WINDOW_BUCKETS + Math.ceil(waitMs / this.#bucketMs) + 1;
    this.#delivered = new Uint32Array(this.#slots);
    this.#converted = new Uint32Array(this.#slots);
    this.#slotBucket = new Float64Array(this.#slots).fill(-1);
  }

  /** A delivery at `deliveredAt` counted at `now` (when its final state is stored). */
  delivered(deliveredAt: number, now: number): void {
    const slot = this.#slot(deliveredAt, now);
    if (slot >= 0) this.#delivered[slot]!++;
  }

  /** The code of a message delivered at `deliveredAt` was used (reported at `now`). */
  converted(deliveredAt: number, now: number): void {
    const slot = this.#slot(deliveredAt, now);
    if (slot >= 0) this.#converted[slot]!++;
  }

  /** The figures of the deliveries judged at `now` (written into `out`, no allocation). */
  read(now: number, out: ConversionFigures): ConversionFigures {
    const firstWaiting = this.#firstWaiting(now);
    let delivered = 0;
    let converted = 0;
    for (let bucket = firstWaiting - WINDOW_BUCKETS; bucket < firstWaiting; bucket++) {
      const slot = this.#slotOf(bucket);
      if (this.#slotBucket[slot] !== bucket) continue;
      delivered += this.#delivered[slot]!;
      converted += this.#converted[slot]!;
    }
    out.delivered = delivered;
    // Another instance may have counted the delivery while this one takes its report: never above all.
    out.converted = Math.min(converted, delivered);
    return out;
  }

  /** The first bucket whose deliveries still wait at `now`: the judged ones are the ten before it. */
  #firstWaiting(now: number): number {
    return Math.floor((now - this.#waitMs) / this.#bucketMs);
  }

  #slotOf(bucket: number): number {
    const slot = bucket % this.#slots;
    return slot < 0 ? slot + this.#slots : slot;
  }

  /** The slot of the delivery time (cleared when it held an older bucket); -1 when it is too old to count. */
  #slot(deliveredAt: number, now: number): number {
    // A delivery stamped ahead of this clock counts now.
    const bucket = Math.floor(Math.min(deliveredAt, now) / this.#bucketMs);
    if (bucket < this.#firstWaiting(now) - WINDOW_BUCKETS) return -1;
    const slot = this.#slotOf(bucket);
    const held = this.#slotBucket[slot]!;
    if (held === bucket) return slot;
    // The slot holds a newer bucket only if this one is older than the ring: impossible past the check above,
    // unless the clock stepped back a long way — then the older figure is dropped.
    if (held > bucket) return -1;
    this.#slotBucket[slot] = bucket;
    this.#delivered[slot] = 0;
    this.#converted[slot] = 0;
    return slot;
  }
}
