import type { CarrierConfig } from "../config/types.js";
import { NotBoundError, NotSentError, ResponseTimeoutError } from "../errors.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { classifyStatus, SmppStatus, statusLabel, statusName } from "../smpp/command-status.js";
import { normaliseMessageId } from "../smpp/receipt.js";
import type { DecodedPdu } from "../smpp/session/pdu-codec.js";
import type { QueuedSubmit, SubmitSource } from "./submit-types.js";
import type { ThrottleControl } from "./throttle-control.js";

/**
 * Submits in a row left unanswered (response timeouts, no answer to any submit in between) that mean the link is
 * dead although it may still answer enquire_link: the bind is dropped and rebinds with backoff (SMPP-NOTES B.5,
 * response_timer: "repeated failures mean the link is dead, so drop and rebind"). Three, as the keep-alive's default
 * misses: one or two can be a carrier's slow moment; three response timeouts (30 s by default) with no answer is not.
 */
export const MAX_SUBMIT_TIMEOUTS_IN_ROW = 3;

/**
 * Throttle answers (ESME_RTHROTTLED / ESME_RMSGQFUL) one submit may get before it is refused as a transient status,
 * so that delivery moves its attempt to another carrier. A submit's first throttle answer is the carrier's congestion:
 * the bind slows down and the submit goes out again first. A second one for the same submit, after the bind slowed
 * down, more likely says something of the submit itself — ESME_RMSGQFUL can mean its destination's queue at the SMSC
 * is full (SMPP-NOTES B.3) — so it is held back with a backoff (0.5 s, then 1 s, with jitter) without slowing the
 * bind again: re-sent first at every answer, one such submit held up all the carrier's traffic and halved its binds'
 * rates until its deadline. Four answers, ~2 s in all: long enough to ride out a carrier's congested moment, short
 * enough to leave the OTP most of its time on another carrier.
 */
export const MAX_THROTTLES_PER_SUBMIT = 4;

/** The drop reason of a bind whose submits went unanswered (logs; metric label response_timeouts). */
export const SUBMITS_UNANSWERED = "submits unanswered in a row";

/**
 * The drop reason of a bind whose carrier answered a submit ESME_RINVBNDSTS: it lost our bind but still answers
 * (logs; metric label bind_lost).
 */
export const BIND_LOST = "carrier answered ESME_RINVBNDSTS: it lost the bind";

/**
 * Times one submit answered ESME_RINVBNDSTS is put back in the queue (sent again on a new bind) before that answer
 * stands as a transient refusal and delivery tries another carrier. A lost bind is over once the bind is made again;
 * a carrier answering ESME_RINVBNDSTS to every submit whatever the bind (an account its SMSC does not let submit)
 * would otherwise hold each message, bind after bind, until its deadline. Two: the first new bind, and one more in
 * case the failover was still going on.
 */
export const MAX_REBINDS_PER_SUBMIT = 2;

export interface SubmitAnswersOptions {
  carrier: CarrierConfig;
  bindId: string;
  source: SubmitSource;
  throttle: ThrottleControl;
  logger: Logger;
  metrics?: Metrics | undefined;
  /** Monotonic ms: a submit's `lostAt` is only ordered against `boundAt` (the binds share one such clock). */
  clock: () => number;
  /** When this bind's current session was bound (on `clock`), undefined while not bound. */
  boundAt: () => number | undefined;
}

/**
 * What becomes of each submit_sm one bind wrote: the carrier's answer (accepted; throttled, so the bind slows down
 * and the submit goes back to the queue — or, throttled again, is held back and in the end refused as transient, see
 * MAX_THROTTLES_PER_SUBMIT; a transient refusal, sent again after a backoff while it has retries and time left; or
 * rejected with its status class), or the request's failure (never written: back to the queue; written, no answer:
 * outcome unknown, never resent here).
 */
export class SubmitAnswers {
  private readonly options: SubmitAnswersOptions;
  private timeoutsInRow = 0;

  constructor(options: SubmitAnswersOptions) {
    this.options = options;
  }

  /**
   * The carrier answered `item` (a submit_sm_resp, or a generic_nack). True when the answer says the carrier lost
   * the bind: the bind should stop submitting and rebind.
   */
  answered(item: QueuedSubmit, response: DecodedPdu): boolean {
    this.timeoutsInRow = 0;
    const status =
      response.command === "generic_nack" && response.status === 0
        ? SmppStatus.ESME_RSYSERR
        : response.status;
    const statusClass = classifyStatus(status);
    const { carrier, bindId, metrics } = this.options;
    if (statusClass === "ok") {
      const raw = typeof response.fields.message_id === "string" ? response.fields.message_id : "";
      metrics?.submits.inc({ carrier: carrier.id, outcome: "accepted", status: "ESME_ROK" });
      item.resolve({
        kind: "accepted",
        carrierMessageId: normaliseMessageId(raw, carrier.submitIdFormat),
        bindId,
      });
      return false;
    }
    if (statusClass === "throttle" && this.throttled(item, status)) return false;
    if (statusClass === "rebind") {
      // Refused for the session's state, not taken: safe to send again at once (no retry used), on another bind.
      // Counted once per lost bind: a carrier failing over loses every bind at once, and each bound before the
      // submit's last such answer refuses it in turn before any has rebound — only a bind made since counts again.
      const since = this.options.boundAt();
      const counts = item.lostAt === undefined || (since !== undefined && since > item.lostAt);
      item.lostAt = this.options.clock();
      const rebinds = (item.rebinds ?? 0) + (counts ? 1 : 0);
      item.rebinds = rebinds;
      if (rebinds <= MAX_REBINDS_PER_SUBMIT) {
        metrics?.submits.inc({ carrier: carrier.id, outcome: "retried", status: statusLabel(status) });
        this.options.source.requeue(item);
      } else this.rejected(item, status, "retry");
      return true;
    }
    if (statusClass === "retry" && this.options.source.retryLater(item)) {
      metrics?.submits.inc({ carrier: carrier.id, outcome: "retried", status: statusLabel(status) });
      this.options.logger.debug(
        { status: statusName(status) },
        "transient carrier status: retrying after a backoff",
      );
      return false;
    }
    // A submit throttled too often is refused as transient: another carrier may take it (see MAX_THROTTLES_PER_SUBMIT).
    this.rejected(item, status, statusClass === "throttle" ? "retry" : statusClass);
    return false;
  }

  private rejected(item: QueuedSubmit, status: number, statusClass: "retry" | "permanent"): void {
    const { carrier, bindId, metrics } = this.options;
    metrics?.submits.inc({ carrier: carrier.id, outcome: "rejected", status: statusLabel(status) });
    item.resolve({ kind: "rejected", status, statusName: statusName(status), statusClass, bindId });
  }

  /**
   * A throttle answer for `item`: true when it is taken care of (requeued first, or held for a backoff); false when
   * it has had MAX_THROTTLES_PER_SUBMIT of them or no time left to wait, and is to be rejected as a transient refusal.
   */
  private throttled(item: QueuedSubmit, status: number): boolean {
    const { carrier, bindId, metrics, throttle, logger, source } = this.options;
    const throttles = (item.throttles ?? 0) + 1;
    item.throttles = throttles;
    metrics?.throttled.inc({ carrier: carrier.id });
    if (throttles === 1) {
      const rate = throttle.onThrottled();
      metrics?.bindRate.set({ carrier: carrier.id, bind: bindId }, rate);
      logger.debug({ status: statusName(status), rate }, "carrier throttling: slowing down and requeueing");
      source.requeue(item);
      return true;
    }
    throttle.onThrottledAgain();
    if (throttles < MAX_THROTTLES_PER_SUBMIT && source.throttledLater(item)) {
      metrics?.submits.inc({ carrier: carrier.id, outcome: "retried", status: statusLabel(status) });
      logger.debug({ status: statusName(status), throttles }, "submit throttled again: holding it back");
      return true;
    }
    logger.debug(
      { status: statusName(status), throttles },
      "submit throttled again: refusing it as transient",
    );
    return false;
  }

  /** A new session: its link starts with a clean record. */
  reset(): void {
    this.timeoutsInRow = 0;
  }

  /**
   * The request for `item` ended without an answer. True when this makes MAX_SUBMIT_TIMEOUTS_IN_ROW response
   * timeouts in a row: the link is dead and the bind should drop it.
   */
  failed(item: QueuedSubmit, error: Error): boolean {
    // Never written (the link dropped first, or the carrier had asked to unbind): safe to send again.
    if (error instanceof NotSentError || error instanceof NotBoundError) {
      this.options.source.requeue(item);
      return false;
    }
    this.options.metrics?.submits.inc({
      carrier: this.options.carrier.id,
      outcome: "unknown",
      status: error.name,
    });
    item.reject(error);
    if (!(error instanceof ResponseTimeoutError) || ++this.timeoutsInRow < MAX_SUBMIT_TIMEOUTS_IN_ROW)
      return false;
    this.timeoutsInRow = 0;
    return true;
  }
}
