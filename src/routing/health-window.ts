/**
 * One carrier's ended attempts on one route over the last window: how many were delivered, failed by receipt, timed
 * out or refused at submit, and how long the delivered ones took to their receipt. The window is ten buckets, each a
 * tenth of it long: a bucket that falls out of the window is subtracted from the totals and reused, so the window
 * holds between nine and ten tenths of `windowMs` of history. Recording is O(1) and allocates nothing; the memory
 * is fixed at creation (about 2 KB). Pure: the caller passes the time.
 */

/** Buckets per window: the window slides in tenths of itself. */
export const WINDOW_BUCKETS = 10;

/** How an attempt ended, as health counts it (an index into the counters). */
export const HealthOutcome = {
  /** Every part had a DELIVRD receipt. */
  Delivered: 0,
  /** A failed receipt (UNDELIV, REJECTD, EXPIRED, …). */
  Failed: 1,
  /** No final receipt before the DLR deadline. */
  Timeout: 2,
  /** The carrier refused the submit (a command_status). */
  Refused: 3,
} as const;
export type HealthOutcome = (typeof HealthOutcome)[keyof typeof HealthOutcome];
const OUTCOMES = 4;

/*
 * DLR latencies go to a histogram whose bins grow by a quarter: bin 0 holds [0, 250 ms), bin k ≥ 1 holds
 * [250·1.25^(k−1), 250·1.25^k) ms, and the last bin everything from ~2 h. The median is read from it to within
 * half a bin (about ±11 %), interpolated inside its bin: plenty to compare with a target of seconds.
 */
const LATENCY_BINS = 48;
const FIRST_EDGE_MS = 250;
const BIN_RATIO = 1.25;
const LOG_BIN_RATIO = Math.log(BIN_RATIO);
/** Upper edge of each bin, in ms. */
const UPPER_EDGE_MS = Float64Array.from({ length: LATENCY_BINS }, (_, k) => FIRST_EDGE_MS * BIN_RATIO ** k);

function latencyBin(ms: number): number {
  if (!(ms >= FIRST_EDGE_MS)) return 0;
  const bin = 1 + Math.floor(Math.log(ms / FIRST_EDGE_MS) / LOG_BIN_RATIO);
  return bin < LATENCY_BINS ? bin : LATENCY_BINS - 1;
}

/** The window's figures at one moment. */
export interface WindowFigures {
  /** Ended attempts counted (delivered, failed, timed out, refused). */
  attempts: number;
  delivered: number;
  /** Median time from an attempt's start to its DELIVRD receipt, in ms; NaN when none was delivered. */
  p50Ms: number;
}

export class HealthWindow {
  readonly #bucketMs: number;
  /** Per bucket: counts by outcome, then the latency bins of its delivered attempts. */
  readonly #counts = new Uint32Array(WINDOW_BUCKETS * OUTCOMES);
  readonly #latency = new Uint32Array(WINDOW_BUCKETS * LATENCY_BINS);
  /** Which bucket number (time / bucketMs) each slot holds. */
  readonly #slotBucket = new Float64Array(WINDOW_BUCKETS).fill(-1);
  /** The sums over the slots in the window. */
  readonly #totals = new Uint32Array(OUTCOMES);
  readonly #totalLatency = new Uint32Array(LATENCY_BINS);
  /** The newest bucket number seen: older slots than WINDOW_BUCKETS before it are cleared. */
  #newest = -Infinity;

  constructor(windowMs: number) {
    this.#bucketMs = Math.max(1, windowMs / WINDOW_BUCKETS);
  }

  /**
   * Counts one ended attempt at `now`; `latencyMs` matters for a delivered one only (NaN: delivered without a
   * receipt to time — a conversion report ended it —, counted but not in the median).
   */
  record(outcome: HealthOutcome, latencyMs: number, now: number): void {
    const slot = this.#advance(now);
    this.#counts[slot * OUTCOMES + outcome]!++;
    this.#totals[outcome]!++;
    if (outcome !== HealthOutcome.Delivered || Number.isNaN(latencyMs)) return;
    const bin = latencyBin(latencyMs);
    this.#latency[slot * LATENCY_BINS + bin]!++;
    this.#totalLatency[bin]!++;
  }

  /**
   * Writes the figures of the window ending at `now` (older buckets drop out first) into `out` (no allocation); the
   * median (a scan of the latency bins) only from `medianFrom` attempts, else NaN.
   */
  read(now: number, out: WindowFigures, medianFrom = 0): WindowFigures {
    this.#advance(now);
    const t = this.#totals;
    const delivered = t[HealthOutcome.Delivered]!;
    out.attempts =
      delivered + t[HealthOutcome.Failed]! + t[HealthOutcome.Timeout]! + t[HealthOutcome.Refused]!;
    out.delivered = delivered;
    out.p50Ms = out.attempts >= medianFrom ? this.#median() : NaN;
    return out;
  }

  /** Moves the window to `now`, clearing the slots that fell out of it; returns the slot of `now`. */
  #advance(now: number): number {
    const bucket = Math.floor(now / this.#bucketMs);
    // A clock that steps back (or an event stamped a little late) counts in the newest bucket.
    if (bucket <= this.#newest) return this.#newest % WINDOW_BUCKETS;
    for (let b = Math.max(this.#newest + 1, bucket - WINDOW_BUCKETS + 1); b <= bucket; b++) this.#clear(b);
    this.#newest = bucket;
    return bucket % WINDOW_BUCKETS;
  }

  /** Empties the slot that bucket `bucket` takes over. */
  #clear(bucket: number): void {
    const slot = bucket % WINDOW_BUCKETS;
    if (this.#slotBucket[slot] !== -1) {
      for (let o = 0; o < OUTCOMES; o++) this.#totals[o]! -= this.#counts[slot * OUTCOMES + o]!;
      for (let k = 0; k < LATENCY_BINS; k++)
        this.#totalLatency[k]! -= this.#latency[slot * LATENCY_BINS + k]!;
      this.#counts.fill(0, slot * OUTCOMES, (slot + 1) * OUTCOMES);
      this.#latency.fill(0, slot * LATENCY_BINS, (slot + 1) * LATENCY_BINS);
    }
    this.#slotBucket[slot] = bucket;
  }

  /** The median latency of the timed deliveries, interpolated within its bin (geometrically above bin 0). */
  #median(): number {
    let timed = 0;
    for (let k = 0; k < LATENCY_BINS; k++) timed += this.#totalLatency[k]!;
    if (timed === 0) return NaN;
    const half = timed / 2;
    let below = 0;
    for (let k = 0; k < LATENCY_BINS; k++) {
      const inBin = this.#totalLatency[k]!;
      if (below + inBin < half) {
        below += inBin;
        continue;
      }
      const fraction = (half - below) / inBin;
      if (k === 0) return UPPER_EDGE_MS[0]! * fraction;
      if (k === LATENCY_BINS - 1) return UPPER_EDGE_MS[k - 1]!;
      return UPPER_EDGE_MS[k - 1]! * BIN_RATIO ** fraction;
    }
    return UPPER_EDGE_MS[LATENCY_BINS - 1]!;
  }
}
