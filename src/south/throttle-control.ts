import type { Clock } from "../smpp/session/request-window.js";

export interface ThrottleControlOptions {
  /** The configured cap: the rate never goes above it. */
  maxRatePerSecond: number;
  /** Monotonic ms (pauses, cooldowns, recovery). */
  clock: Clock;
  /** Lowest rate a throttled bind drops to (default 1/s: it must keep probing). */
  minRatePerSecond?: number;
  /** Throttles within this long of the last cut count as the same congestion (default 1000 ms). */
  cutCooldownMs?: number;
  /** Fraction of the cap regained per second without throttling (default 0.1). */
  recoveryPerSecond?: number;
  /** Pause after each throttle answer before sending again (default 100 ms). */
  pauseMs?: number;
}

/**
 * Additive-increase / multiplicative-decrease on ESME_RTHROTTLED and ESME_RMSGQFUL: a throttle answer
 * halves the rate (at most once per cooldown, so a burst of throttles in flight does not collapse it to
 * the floor) and pauses sending briefly; quiet seconds win the rate back linearly up to the cap.
 */
export class ThrottleControl {
  private readonly max: number;
  private readonly min: number;
  private readonly clock: Clock;
  private readonly cooldownMs: number;
  private readonly recovery: number;
  private readonly pauseMs: number;
  private rate: number;
  private lastCutAt = Number.NEGATIVE_INFINITY;
  private lastUpdateAt: number;
  private pausedUntil = 0;
  /** Throttle answers seen (for status and metrics). */
  throttled = 0;

  constructor(options: ThrottleControlOptions) {
    this.max = options.maxRatePerSecond;
    this.min = Math.min(options.minRatePerSecond ?? 1, this.max);
    this.clock = options.clock;
    this.cooldownMs = options.cutCooldownMs ?? 1000;
    this.recovery = options.recoveryPerSecond ?? 0.1;
    this.pauseMs = options.pauseMs ?? 100;
    this.rate = this.max;
    this.lastUpdateAt = this.clock();
  }

  /** The rate to send at now (recovering towards the cap with time). */
  currentRate(): number {
    const now = this.clock();
    // No recovery during the cooldown that follows a cut: only quiet time after it wins rate back.
    const from = Math.max(this.lastUpdateAt, this.lastCutAt + this.cooldownMs);
    if (now > from && this.rate < this.max) {
      this.rate = Math.min(this.max, this.rate + (this.max * this.recovery * (now - from)) / 1000);
    }
    this.lastUpdateAt = now;
    return this.rate;
  }

  /** Records a throttle answer; returns the new rate. */
  onThrottled(): number {
    const now = this.clock();
    this.throttled++;
    this.pausedUntil = now + this.pauseMs;
    this.currentRate();
    if (now - this.lastCutAt >= this.cooldownMs) {
      this.rate = Math.max(this.min, this.rate / 2);
      this.lastCutAt = now;
    }
    this.lastUpdateAt = now;
    return this.rate;
  }

  /**
   * Records a throttle answer that says nothing of the bind's rate: a submit throttled again, most likely because its
   * destination's queue is full (SMPP-NOTES B.3, ESME_RMSGQFUL) — counted, no cut, no pause.
   */
  onThrottledAgain(): void {
    this.throttled++;
  }

  /** Milliseconds to wait before the next send because of a recent throttle answer. */
  pauseRemainingMs(): number {
    return Math.max(0, this.pausedUntil - this.clock());
  }
}
