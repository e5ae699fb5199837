import type { Clock } from "../smpp/session/request-window.js";
import { backoffDelayMs } from "./backoff.js";

/**
 * How long a bind must have stayed up for its reconnect backoff to start again from the minimum delay. A carrier that
 * accepts each bind and drops it at once (it enforces a bind limit, or crash-loops behind a load balancer) would
 * otherwise be re-bound at the minimum delay for ever — and carriers blacklist accounts that hammer bind. 30 s is
 * the default enquire_link interval: a bind that lived to its first keep-alive check was a real session, and no
 * accept-then-drop carrier keeps a bind that long.
 */
export const BACKOFF_RESET_AFTER_UP_MS = 30_000;

export interface ReconnectBackoffOptions {
  minDelayMs: number;
  maxDelayMs: number;
  rng: () => number;
  /** Monotonic ms (how long the bind stayed up). */
  clock: Clock;
}

/**
 * A bind's reconnect delays: exponential with jitter (backoffDelayMs) over the drops and refusals in a row, where a
 * bind counts as recovered only once it has stayed up BACKOFF_RESET_AFTER_UP_MS — not the moment bind_resp is OK.
 */
export class ReconnectBackoff {
  private readonly options: ReconnectBackoffOptions;
  private failures = 0;
  private upSince: number | undefined;

  constructor(options: ReconnectBackoffOptions) {
    this.options = options;
  }

  /** Connection attempts that failed or dropped in a row so far (for logs). */
  get attempt(): number {
    return this.failures;
  }

  /** The bind is up (the carrier accepted it). */
  up(): void {
    this.upSince = this.options.clock();
  }

  /** The bind dropped, or could not be made: the delay before the next try. */
  nextDelayMs(): number {
    if (this.upSince !== undefined && this.options.clock() - this.upSince >= BACKOFF_RESET_AFTER_UP_MS) {
      this.failures = 0;
    }
    this.upSince = undefined;
    const { minDelayMs, maxDelayMs, rng } = this.options;
    return backoffDelayMs(this.failures++, minDelayMs, maxDelayMs, rng);
  }
}
