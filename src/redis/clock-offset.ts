/**
 * How far Redis's clock is from a local one, estimated from round trips that read Redis's time (NTP's idea, cut
 * down). A round trip sent at local `sent` and answered at local `received`, in which Redis read its clock as `at`,
 * says the offset (Redis minus local) lies in [at − received, at + resolution − sent]: an interval as wide as the
 * round trip. A loaded Redis or event loop widens it (5–20 ms), so the estimate is the middle of the narrowest recent
 * interval — each widened as it ages by the most the two clocks may drift apart — rather than the latest one. Pure:
 * no I/O, no clock of its own; every time is passed in (ms on the local clock).
 */

/**
 * How fast the local clock and Redis's drift apart when both are disciplined, in ms per ms: 100 ppm, above what
 * NTP-disciplined (or merely decent quartz) clocks do between corrections. Ages samples: a 30 s old sample counts 3 ms
 * wider. While NTP slews a clock (up to 500 ppm, chrony faster; CLOCK_MONOTONIC, the local clock, is slewed too) older
 * samples stop agreeing with fresh ones and are dropped — they are stale — but that is no step (STEP_DRIFT).
 */
export const MAX_DRIFT = 100e-6;
/**
 * What a contradiction must exceed to count as a step (a clock stepped, a failover to another Redis host) rather than
 * a clock slewed faster than MAX_DRIFT (chrony may): ~1000 ppm of the older sample's age plus STEP_FLOOR_MS beyond
 * the intervals. Below it the contradicted samples are only dropped; a step also lifts "never goes back" and is warned
 * about.
 */
export const STEP_DRIFT = 1_000e-6;
/** See STEP_DRIFT: even between round trips a moment apart, a jump under this is no step. */
export const STEP_FLOOR_MS = 5;
/** Samples older than this are forgotten: drift makes them worse than a fresh one at any realistic round trip. */
export const SAMPLE_WINDOW_MS = 30_000;
/**
 * Slack when samples are checked against each other: a local clock may tick in whole ms (Date.now), so an interval
 * can miss the true offset by that much — no contradiction.
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
   * Earlier samples contradicted this one by more than a slew explains (STEP_DRIFT, STEP_FLOOR_MS): a clock was
   * stepped — this host's, Redis's — or a failover reached a Redis on another host. They were dropped, as is any sample
   * this one contradicts beyond MAX_DRIFT, and the estimate follows the new clock at once.
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
      const age = Math.max(0, received - s.at);
      // How far apart the intervals are (≤ 0 when they overlap).
      const apart = Math.max(s.lo - sample.hi, sample.lo - s.hi);
      // Checked before the age: a local clock stepped ahead makes every sample look old.
      if (apart > Math.min(age, SAMPLE_WINDOW_MS) * STEP_DRIFT + STEP_FLOOR_MS) stepped = true;
      else if (apart <= age * MAX_DRIFT + STEP_TOLERANCE_MS && age <= SAMPLE_WINDOW_MS) kept.push(s);
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
