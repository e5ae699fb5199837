import type { CarrierConfig } from "../config/types.js";
import { NotBoundError, NotSentError } from "../errors.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { classifyStatus, SmppStatus, statusName } from "../smpp/command-status.js";
import { normaliseMessageId } from "../smpp/receipt.js";
import type { DecodedPdu } from "../smpp/session/pdu-codec.js";
import type { QueuedSubmit, SubmitSource } from "./submit-types.js";
import type { ThrottleControl } from "./throttle-control.js";

export interface SubmitAnswersOptions {
  carrier: CarrierConfig;
  bindId: string;
  source: SubmitSource;
  throttle: ThrottleControl;
  logger: Logger;
  metrics?: Metrics | undefined;
}

/**
 * What becomes of each submit_sm one bind wrote: the carrier's answer (accepted; throttled, so the bind slows down
 * and the submit goes back to the queue; or rejected with its status class), or the request's failure (never
 * written: back to the queue; written, no answer: outcome unknown, never resent here).
 */
export class SubmitAnswers {
  private readonly options: SubmitAnswersOptions;

  constructor(options: SubmitAnswersOptions) {
    this.options = options;
  }

  /** The carrier answered `item` (a submit_sm_resp, or a generic_nack). */
  answered(item: QueuedSubmit, response: DecodedPdu): void {
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
      return;
    }
    if (statusClass === "throttle") {
      const rate = this.options.throttle.onThrottled();
      metrics?.throttled.inc({ carrier: carrier.id });
      metrics?.bindRate.set({ carrier: carrier.id, bind: bindId }, rate);
      this.options.logger.debug(
        { status: statusName(status), rate },
        "carrier throttling: slowing down and requeueing",
      );
      this.options.source.requeue(item);
      return;
    }
    metrics?.submits.inc({ carrier: carrier.id, outcome: "rejected", status: statusName(status) });
    item.resolve({ kind: "rejected", status, statusName: statusName(status), statusClass, bindId });
  }

  /** The request for `item` ended without an answer. */
  failed(item: QueuedSubmit, error: Error): void {
    // Never written (the link dropped first, or the carrier had asked to unbind): safe to send again.
    if (error instanceof NotSentError || error instanceof NotBoundError) {
      this.options.source.requeue(item);
      return;
    }
    this.options.metrics?.submits.inc({
      carrier: this.options.carrier.id,
      outcome: "unknown",
      status: error.name,
    });
    item.reject(error);
  }
}
