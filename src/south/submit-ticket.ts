/** Why a submit was never written to the carrier: too late to be written, or withdrawn by its attempt. */
export type NotSentReason = "deadline_passed" | "withdrawn";

/**
 * A submit's time limit and its handle while it waits in a carrier's queue (see CarrierPool.submit). A throughput
 * cap can hold a submit for minutes: the ticket makes sure it is never written after its attempt ended or the
 * OTP stopped being worth sending, and lets the attempt take it back while it still waits.
 *
 * waiting: in the queue, may be withdrawn · taken: a bind has it (being written or written) · not_sent: refused,
 * never written (final) · done: answered.
 */
export class SubmitTicket {
  /** Never written at or after this time (ms since the epoch): refused as not_sent "deadline_passed". */
  readonly notAfter: number;
  /** When set, validity_period is written relative to the moment of writing, so it ends here. */
  readonly validUntil: number | undefined;
  private state: "new" | "waiting" | "taken" | "not_sent" = "new";
  /** Withdrawn while a bind had it: refused if the bind gives it back unsent. */
  private withdrawOnReturn = false;
  private refuse: ((reason: NotSentReason, wasWaiting: boolean) => void) | undefined;

  constructor(notAfter: number, validUntil?: number) {
    this.notAfter = notAfter;
    this.validUntil = validUntil;
  }

  /** Whether it sits in a queue refused already (a queue skips it: it was counted out when withdrawn). */
  get withdrawnWhileWaiting(): boolean {
    return this.state === "not_sent";
  }

  /**
   * Takes the submit back if it is still waiting: true when it will never be written (its outcome is then
   * not_sent "withdrawn"), false when a bind has it already (it may be on the wire).
   */
  withdraw(): boolean {
    if (this.state === "new" || this.state === "waiting") {
      const wasWaiting = this.state === "waiting";
      this.state = "not_sent";
      this.refuse?.("withdrawn", wasWaiting);
      return true;
    }
    if (this.state === "taken") this.withdrawOnReturn = true;
    return this.state === "not_sent";
  }

  /**
   * The pool queues it at `now`; `refuse` answers it as never sent. False (and refused) when it is withdrawn
   * already or too late to wait at all.
   */
  queued(now: number, refuse: (reason: NotSentReason, wasWaiting: boolean) => void): boolean {
    if (this.state !== "new") {
      // Withdrawn before it reached the pool (a ticket serves one submit).
      refuse("withdrawn", false);
      return false;
    }
    if (now >= this.notAfter) {
      this.state = "not_sent";
      refuse("deadline_passed", false);
      return false;
    }
    this.refuse = refuse;
    this.state = "waiting";
    return true;
  }

  /** A bind is about to write it at `now`: false (and refused) when that would be too late. */
  take(now: number): boolean {
    if (this.state !== "waiting") return false;
    if (now >= this.notAfter) {
      this.state = "not_sent";
      this.refuse?.("deadline_passed", false);
      return false;
    }
    this.state = "taken";
    return true;
  }

  /** The bind gives it back unsent (throttled, or the link dropped before writing): false when withdrawn meanwhile. */
  returned(): boolean {
    if (this.state !== "taken") return false;
    if (this.withdrawOnReturn) {
      this.state = "not_sent";
      this.refuse?.("withdrawn", false);
      return false;
    }
    this.state = "waiting";
    return true;
  }
}
