import type { Clock } from "../smpp/session/request-window.js";
import { backoffDelayMs } from "./backoff.js";
import type { QueuedSubmit } from "./submit-types.js";

/**
 * Times a submit the carrier refused with a transient ("retry" class) status, ESME_RSYSERR for one, is sent again on
 * the same carrier before its rejection stands: a carrier's system error is usually a moment's overload or failover,
 * and on a one-carrier route the rejection would make the OTP final at once. Two: a third refusal in a row means
 * the carrier is not going to take it now, and the attempt should move on while the OTP is still worth sending.
 */
export const SUBMIT_RETRY_MAX = 2;
/** First retry delay (ms), doubling per retry up to SUBMIT_RETRY_MAX_DELAY_MS, with jitter (backoffDelayMs). */
export const SUBMIT_RETRY_MIN_DELAY_MS = 500;
/** Longest retry delay (ms): retries stay well inside an attempt's DLR deadline (30 s by default). */
export const SUBMIT_RETRY_MAX_DELAY_MS = 2_000;

export interface SubmitRetriesOptions {
  /** The pool's epoch clock (monotonic): a retry's time is compared with its ticket's not-after time on it. */
  clock: Clock;
  rng: () => number;
  /** Gives a held submit back to its carrier's queue (it goes out before newer ones). */
  requeue: (item: QueuedSubmit) => void;
}

/**
 * The submits a carrier pool holds for a retry after a transient refusal, or after a repeated throttle answer (see
 * MAX_THROTTLES_PER_SUBMIT in submit-answers.ts), each until its backoff delay has passed.
 * A submit is held only while it has retries left and the delay ends before its ticket's not-after time: the
 * retry never goes out later than the submit itself was allowed to.
 */
export class SubmitRetries {
  private readonly options: SubmitRetriesOptions;
  private readonly held = new Map<QueuedSubmit, NodeJS.Timeout>();

  constructor(options: SubmitRetriesOptions) {
    this.options = options;
  }

  /** Holds `item` for its next retry: false (not held) when its retries are used up or its time would run out. */
  hold(item: QueuedSubmit): boolean {
    const done = item.retries ?? 0;
    if (done >= SUBMIT_RETRY_MAX || !this.holdFor(item, done)) return false;
    item.retries = done + 1;
    return true;
  }

  /**
   * Holds `item`, throttled again (its `throttles`-th throttle answer, 2 or more), with the same backoff as a retry:
   * from SUBMIT_RETRY_MIN_DELAY_MS at its second answer, doubling. False (not held) when its time would run out.
   */
  holdThrottled(item: QueuedSubmit): boolean {
    return this.holdFor(item, Math.max(0, (item.throttles ?? 2) - 2));
  }

  /** Holds `item` for the backoff delay of its `attempt`-th wait (0-based), if it ends before its not-after time. */
  private holdFor(item: QueuedSubmit, attempt: number): boolean {
    const delay = backoffDelayMs(
      attempt,
      SUBMIT_RETRY_MIN_DELAY_MS,
      SUBMIT_RETRY_MAX_DELAY_MS,
      this.options.rng,
    );
    if (item.ticket && this.options.clock() + delay >= item.ticket.notAfter) return false;
    const timer = setTimeout(() => {
      this.held.delete(item);
      this.options.requeue(item);
    }, delay);
    timer.unref();
    this.held.set(item, timer);
    return true;
  }

  /** Gives every held submit back at once (shutdown: the closing pool fails them as never sent). */
  releaseAll(): void {
    const items = [...this.held.keys()];
    for (const timer of this.held.values()) clearTimeout(timer);
    this.held.clear();
    for (const item of items) this.options.requeue(item);
  }
}
