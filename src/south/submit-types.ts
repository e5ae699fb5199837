import type smpp from "smpp";
import type { StatusClass } from "../smpp/command-status.js";
import type { NotSentReason, SubmitTicket } from "./submit-ticket.js";

/** The submit_sm body fields for one part, ready for the codec (short_message is already a Buffer). */
export interface SubmitFields extends smpp.PduFields {
  source_addr: string;
  source_addr_ton: number;
  source_addr_npi: number;
  destination_addr: string;
  dest_addr_ton: number;
  dest_addr_npi: number;
  esm_class: number;
  registered_delivery: number;
  data_coding: number;
  short_message: Buffer;
  validity_period?: string;
}

/**
 * What a carrier answered to one submit_sm, or that it was never written (not_sent: too late, or withdrawn by its
 * attempt; not the carrier's doing). Transport failures are not outcomes: they reject.
 */
export type SubmitOutcome =
  | { kind: "not_sent"; reason: NotSentReason }
  | { kind: "accepted"; carrierMessageId: string; bindId: string }
  | {
      kind: "rejected";
      status: number;
      statusName: string;
      statusClass: Exclude<StatusClass, "ok" | "throttle" | "rebind">;
      bindId: string;
    };

/** A submit waiting for a bind (window slot and throughput token). */
export interface QueuedSubmit {
  fields: SubmitFields;
  enqueuedAt: number;
  /** Its time limit and withdrawal handle, when the caller gave one. */
  ticket: SubmitTicket | undefined;
  /** Times it was sent again after a transient refusal (see submit-retries.ts). */
  retries?: number;
  /** Throttle answers (ESME_RTHROTTLED / ESME_RMSGQFUL) it got (see MAX_THROTTLES_PER_SUBMIT in submit-answers.ts). */
  throttles?: number;
  /** ESME_RINVBNDSTS answers it got, each sending it again on a new bind (see MAX_REBINDS_PER_SUBMIT). */
  rebinds?: number;
  /** When its last ESME_RINVBNDSTS answer came (the binds' monotonic clock): binds bound before it do not count again. */
  lostAt?: number;
  resolve: (outcome: SubmitOutcome) => void;
  reject: (error: Error) => void;
}

/** Where binds take their next submit from, and give back one that never reached the carrier. */
export interface SubmitSource {
  next(): QueuedSubmit | undefined;
  /** Puts back a submit that was not sent (or was throttled): it goes out before newer ones. */
  requeue(item: QueuedSubmit): void;
  /**
   * Sends a submit the carrier refused with a transient status again after a short backoff: false when it may not
   * (retries used up, its not-after time too close, shutting down); its rejection then stands.
   */
  retryLater(item: QueuedSubmit): boolean;
  /**
   * Sends a submit the carrier throttled again (its second throttle answer or later) after a backoff, without
   * putting it first in the queue: false when it may not (its not-after time too close, shutting down).
   */
  throttledLater(item: QueuedSubmit): boolean;
}

/**
 * unbinding: the carrier asked to unbind, or lost our bind (ESME_RINVBNDSTS); nothing more is submitted on it, and it
 * reconnects once the session closes.
 */
export type BindState =
  "idle" | "connecting" | "binding" | "bound" | "unbinding" | "backoff" | "closing" | "closed";

export interface BindStatus {
  id: string;
  mode: "transceiver" | "transmitter" | "receiver";
  state: BindState;
  outstanding: number;
  ratePerSecond: number;
  throttled: number;
  reconnects: number;
  boundSince?: number;
  lastError?: string;
}
