/** When a webhook that was not acknowledged is tried again: pure, so its schedule is tested without waiting. */

export interface WebhookBackoff {
  /** Delay before the first retry. */
  initialDelayMs: number;
  /** The delay doubles up to this. */
  maxDelayMs: number;
}

/** Delay before retry number `attemptsMade` (1 after the first failure): initial × 2^(n-1), capped. */
export function webhookRetryDelayMs(attemptsMade: number, backoff: WebhookBackoff): number {
  const exponent = Math.max(0, attemptsMade - 1);
  // 2^exponent overflows to Infinity long after it passed any cap; Math.min handles that.
  return Math.min(backoff.initialDelayMs * 2 ** exponent, backoff.maxDelayMs);
}

/**
 * How many tries fit in `windowMs` with this backoff (the first try plus every retry whose cumulative delay
 * stays within the window). Bounds the job in BullMQ as well as by time, so it can never retry for ever.
 */
export function webhookMaxAttempts(windowMs: number, backoff: WebhookBackoff): number {
  let attempts = 1;
  let elapsed = 0;
  for (;;) {
    const delay = webhookRetryDelayMs(attempts, backoff);
    if (elapsed + delay > windowMs) return attempts;
    elapsed += delay;
    attempts++;
    if (delay >= backoff.maxDelayMs) {
      // The rest are evenly spaced: count them at once rather than loop through a long retention.
      return attempts + Math.floor((windowMs - elapsed) / backoff.maxDelayMs);
    }
  }
}
