import type { Clock } from "../smpp/session/request-window.js";

/** With renewals failing, a slot's binds start closing this long before the lease could expire. */
const LOSS_MARGIN_MS = 3_000;
/**
 * ...and are unbound by this long before it (a carrier answering no unbind gets CarrierBind's 1 s grace more:
 * the socket is gone a second before the lease can expire).
 */
const CLOSED_MARGIN_MS = 2_000;

export interface LeaseTimingOptions {
  /** How long a lease lasts without renewal. */
  leaseMs: number;
  /** Monotonic ms: the leases last a duration on this host; Redis expires them by its own clock (TIME). */
  clock: Clock;
  /** Renewals failed for close to the lease: the binds must close now (see `closeWithinMs`). */
  onLoss: () => void;
}

/**
 * How long this instance may rely on the bind-slot leases it holds, on its own clock: every lease it holds lasts at
 * least `leaseMs` from the last renewal sent that Redis confirmed (Redis expires it by its own clock, later). When
 * no renewal is confirmed for the lease less LOSS_MARGIN_MS, `onLoss` fires; nothing may be written meanwhile.
 */
export class LeaseTiming {
  private readonly options: LeaseTimingOptions;
  /** When the last confirmed renewal was sent. */
  private renewedAt: number | undefined;
  private lossTimer: NodeJS.Timeout | undefined;

  constructor(options: LeaseTimingOptions) {
    this.options = options;
  }

  /** How long ago the last confirmed renewal was sent (for logs); undefined before the first. */
  sinceRenewalMs(): number | undefined {
    return this.renewedAt === undefined ? undefined : Math.round(this.options.clock() - this.renewedAt);
  }

  /** False once the leases may have run out: a process paused past it (a stall) writes nothing before the loss timer. */
  mayWrite(): boolean {
    const { clock, leaseMs } = this.options;
    return this.renewedAt !== undefined && clock() < this.renewedAt + leaseMs - LOSS_MARGIN_MS;
  }

  /** A renewal sent at `sentAt` (this clock) was confirmed: the loss timer starts again from it. */
  renewed(sentAt: number): void {
    const { clock, leaseMs } = this.options;
    this.renewedAt = Math.max(this.renewedAt ?? sentAt, sentAt);
    clearTimeout(this.lossTimer);
    const lossAt = this.renewedAt + leaseMs - LOSS_MARGIN_MS;
    this.lossTimer = setTimeout(() => this.options.onLoss(), Math.max(0, lossAt - clock()));
    this.lossTimer.unref();
  }

  /** How long a slot's binds have, from now, to be unbound before its lease could expire (renewals failed). */
  closeWithinMs(): number {
    const { clock, leaseMs } = this.options;
    const closedBy = (this.renewedAt ?? clock()) + leaseMs - CLOSED_MARGIN_MS;
    return closedBy - clock();
  }

  stop(): void {
    clearTimeout(this.lossTimer);
  }
}
