import type { Clock } from "../smpp/session/request-window.js";

export interface TokenBucketOptions {
  /** Tokens added per second (the throughput cap). */
  ratePerSecond: number;
  /**
   * Most tokens held at once. Small keeps the rate smooth: any 1-s interval sees at most
   * `ratePerSecond + burst` takes. Default: 2 % of the rate, at least 1.
   */
  burst?: number;
  /** Monotonic ms: on a wall clock stepped back, no time would pass and no token come for as long. */
  clock: Clock;
}

/** A token bucket with an injected clock: pure, so its guarantees are unit-tested without timers. */
export class TokenBucket {
  private rate: number;
  private burst: number;
  private tokens: number;
  private last: number;
  private readonly clock: Clock;
  private readonly fixedBurst: number | undefined;

  constructor(options: TokenBucketOptions) {
    this.clock = options.clock;
    this.rate = options.ratePerSecond;
    this.fixedBurst = options.burst;
    this.burst = TokenBucket.burstFor(this.rate, this.fixedBurst);
    // Start with one token, not a full bucket: a fresh bind must not open with a burst.
    this.tokens = Math.min(1, this.burst);
    this.last = this.clock();
  }

  private static burstFor(rate: number, fixed: number | undefined): number {
    return fixed ?? Math.max(1, Math.floor(rate * 0.02));
  }

  get ratePerSecond(): number {
    return this.rate;
  }

  /** Changes the rate (keeping the tokens already earned, capped at the new burst). */
  setRate(ratePerSecond: number): void {
    this.refill();
    this.rate = ratePerSecond;
    this.burst = TokenBucket.burstFor(ratePerSecond, this.fixedBurst);
    this.tokens = Math.min(this.tokens, this.burst);
  }

  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Gives back a token taken for work that did not happen. */
  refund(): void {
    this.tokens = Math.min(this.burst, this.tokens + 1);
  }

  /** Milliseconds until a token will be available (0 if one is). */
  msUntilAvailable(): number {
    this.refill();
    if (this.tokens >= 1) return 0;
    return Math.ceil(((1 - this.tokens) * 1000) / this.rate);
  }

  private refill(): void {
    const now = this.clock();
    const elapsed = now - this.last;
    if (elapsed <= 0) return;
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.rate) / 1000);
  }
}
