/**
 * How far Redis's clock is from a local one, estimated from round trips that read Redis's time (NTP's idea, cut
 * down). A round trip sent at local `sent` and answered at local `received`, in which Redis read its clock as `at`,
 * says the offset (Redis minus local) lies in [at − received, at + resolution − sent]: an interval as wide as the
 * round trip. A loaded Redis or event loop widens it (5–20 ms), so the estimate is the middle of the narrowest recent
 * interval — each widened as it ages by the most the two clocks may drift apart — rather than the latest one. Pure:
 * no I/O, no clock of its own; every time is passed in (ms on the local clock).
 */

/**
 * How fast the local clock and Redis's may drift apart, in ms per ms: 100 ppm, well above what NTP-disciplined (or
 * merely decent quartz) clocks do. Only ages samples: a 30 s old sample counts 3 ms wider.
 */
export const MAX_DRIFT = 100e-6;
/** Samples older than this are forgotten: drift makes them worse than a fresh one at any realistic round trip. */
export const SAMPLE_WINDOW_MS = 30_000;
/**
 * Slack when samples are checked against each other: a local clock may tick in whole ms (Date.now), so an interval
 * can miss the true offset by that much — not a step.
 */
export const STEP_TOLERANCE_MS = 1;
/** At most this many samples kept (several sources may feed one estimate, a few a second each). */
export const MAX_SAMPLES = 128;

interface Sample {
  /** Local time of the answer: what the sample's age is counted from. */
  at: number;
  /** The offset's bounds as of then. */
  lo: number;
  hi: number;
}

/** The current estimate: Redis's clock minus the local one, and how far it may be off (both ms). */
export interface OffsetEstimate {
  offsetMs: number;
  errorMs: number;
}

/** What one round trip changed. */
export interface Observed {
  /**
   * Earlier samples contradicted this one (their intervals, widened by drift, miss it): a clock was stepped — this
   * host's, Redis's — or a failover reached a Redis on another host. They were dropped, and the estimate follows the
   * new clock at once.
   */
  stepped: boolean;
}

export class ClockOffset {
  private samples: Sample[] = [];
  private best: Sample | undefined;

  /**
   * Takes one round trip: sent and answered at `sent` and `received` (local ms), Redis's clock read as `redisAt`
   * within it, with `resolutionMs` its precision (1 when Redis's time came truncated to the ms; 0.001 for TIME's µs).
   * A round trip whose answer came "before" it was sent (the local clock went back meanwhile) tells nothing: ignored.
   */
  observe(sent: number, redisAt: number, received: number, resolutionMs: number): Observed {
    if (!(received >= sent) || !Number.isFinite(redisAt)) return { stepped: false };
    const sample: Sample = { at: received, lo: redisAt - received, hi: redisAt + resolutionMs - sent };
    const kept: Sample[] = [];
    let stepped = false;
    for (const s of this.samples) {
      const age = received - s.at;
      const widen = Math.max(0, age) * MAX_DRIFT + STEP_TOLERANCE_MS;
      // Checked before the age: a local clock stepped ahead makes every sample look old.
      if (s.lo - widen > sample.hi || sample.lo > s.hi + widen) stepped = true;
      else if (age <= SAMPLE_WINDOW_MS) kept.push(s);
    }
    kept.push(sample);
    if (kept.length > MAX_SAMPLES) kept.shift();
    this.samples = kept;
    this.best = this.narrowest(received);
    return { stepped };
  }

  /** The estimate as of local time `now`; undefined before the first round trip. */
  estimate(now: number): OffsetEstimate | undefined {
    const best = this.best;
    if (!best) return undefined;
    return {
      offsetMs: (best.lo + best.hi) / 2,
      errorMs: (best.hi - best.lo) / 2 + Math.max(0, now - best.at) * MAX_DRIFT,
    };
  }

  /** The sample whose interval, widened by its age's drift, is narrowest at `now` (the latest on a tie). */
  private narrowest(now: number): Sample | undefined {
    let best: Sample | undefined;
    let bestWidth = Infinity;
    for (const s of this.samples) {
      const width = s.hi - s.lo + 2 * Math.max(0, now - s.at) * MAX_DRIFT;
      if (width <= bestWidth) {
        best = s;
        bestWidth = width;
      }
    }
    return best;
  }
}
