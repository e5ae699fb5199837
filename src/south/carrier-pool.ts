import { EventEmitter } from "node:events";
import type { CarrierConfig } from "../config/types.js";
import { ErrorCodes, OtpgwError } from "../errors.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { Receipt } from "../smpp/receipt.js";
import { monotonicEpochNow } from "../smpp/session/monotonic-clock.js";
import type { Clock } from "../smpp/session/request-window.js";
import type { BindSlots } from "./bind-slots.js";
import { CarrierBind, type CarrierBindOptions } from "./carrier-bind.js";
import { relativeValidity } from "../smpp/validity.js";
import { SubmitQueue } from "./submit-queue.js";
import { SubmitRetries } from "./submit-retries.js";
import type { NotSentReason, SubmitTicket } from "./submit-ticket.js";
import type { BindStatus, QueuedSubmit, SubmitFields, SubmitOutcome, SubmitSource } from "./submit-types.js";
import type { RequestMark } from "../smpp/session/request-window.js";

/** Default most submits waiting per carrier before new ones are refused (back-pressure, not buffering). */
export const DEFAULT_MAX_QUEUED_SUBMITS = 10_000;
/** Default largest PDU accepted from a carrier: 16 KiB covers any submit/deliver with message_payload we use. */
export const DEFAULT_MAX_PDU_BYTES = 16_384;

/**
 * Receipts one bind records at once before it stops reading: far above a carrier's own window (10–100), so it
 * only holds a carrier that pushes without one, or a dump of held receipts, in TCP instead of in memory.
 */
const DEFAULT_RECEIPTS_IN_PROGRESS = 256;

export interface CarrierPoolOptions {
  carrier: CarrierConfig;
  logger: Logger;
  metrics?: Metrics;
  /** Most submits waiting for a bind; beyond it `submit` rejects with OTPGW_ERR_CARRIER_SATURATED. */
  maxQueued?: number;
  maxPduBytes?: number;
  /** A bind's receipts being recorded at once before it stops reading (default 256). */
  receiptsInProgress?: number;
  /** Monotonic ms (default performance.now) for the binds' durations: rate, keep-alive, backoff, deadlines. */
  monotonicClock?: Clock;
  /**
   * Monotonic epoch ms (default monotonicEpochNow) for the times handed between the pool and delivery: tickets'
   * not-after and validity times, retries' holds and `firstBoundAt` (delivery converts them by their distance from
   * now: src/delivery/pool-clock.ts, whose `poolClock` must be this clock). On the wall clock, a step forward would
   * refuse queued submits as too late and a step back would write their validity_period as long as the step.
   */
  epochClock?: Clock;
  /** Wall-clock epoch ms (default Date.now) for what is shown: binds' `boundSince`. */
  wallClock?: Clock;
  rng?: () => number;
  /**
   * Bind-slot leases shared with other instances (bind-slots.ts): binds open only on the slots this instance holds.
   * Without it every bind opens at start.
   */
  slots?: BindSlots;
}

export interface CarrierStatus {
  id: string;
  queued: number;
  bound: number;
  binds: BindStatus[];
}

/** A receipt as the pool reports it: which carrier and bind it came from. */
export interface CarrierReceipt {
  carrierId: string;
  bindId: string;
  receipt: Receipt;
  /** The handset number the receipt is about (its source_addr), digits only. */
  handset?: string;
}

/**
 * All binds to one carrier and the one queue they share: a submit waits here until some bound bind has a
 * window slot and a throughput token, so traffic spreads over the binds that can take it and moves off a
 * bind that drops. Every delivery receipt on any of its binds goes to the receipt handler (see
 * `setReceiptHandler`) and is emitted as `receipt` (CarrierReceipt) for observers.
 */
export class CarrierPool extends EventEmitter {
  readonly id: string;
  private readonly queue = new SubmitQueue();
  private readonly binds: CarrierBind[] = [];
  private readonly options: CarrierPoolOptions;
  private readonly maxQueuedSubmits: number;
  /** Tickets, retries and `firstBoundAt` (see CarrierPoolOptions.epochClock). */
  private readonly epochClock: Clock;
  private readonly retries: SubmitRetries;
  private closing = false;
  /**
   * When a bind of this pool first came up in this process, on `epochClock` (delivery reads it on its own clock,
   * pool-clock.ts, to count the start-up receipt grace: receipts held by the carrier arrive after it).
   */
  firstBoundAt: number | undefined;
  private receiptHandler: ((event: CarrierReceipt) => Promise<void>) | undefined;
  private kickScheduled = false;
  private readonly source: SubmitSource;
  private readonly modes: CarrierBindOptions["mode"][];

  constructor(options: CarrierPoolOptions) {
    super();
    this.options = options;
    this.id = options.carrier.id;
    this.maxQueuedSubmits = options.maxQueued ?? DEFAULT_MAX_QUEUED_SUBMITS;
    this.epochClock = options.epochClock ?? monotonicEpochNow;
    this.retries = new SubmitRetries({
      clock: this.epochClock,
      rng: options.rng ?? Math.random,
      requeue: (item) => this.requeue(item),
    });
    this.source = {
      next: () => this.nextToWrite(),
      requeue: (item) => this.requeue(item),
      retryLater: (item) => !this.closing && this.retries.hold(item),
      throttledLater: (item) => !this.closing && this.retries.holdThrottled(item),
    };
    const { carrier } = options;
    this.modes = carrier.bindMode === "transceiver" ? ["transceiver"] : ["transmitter", "receiver"];
    for (const mode of this.modes) {
      for (let index = 0; index < carrier.binds; index++) this.binds.push(this.newBind(mode, index));
    }
    options.slots?.register(this);
  }

  private newBind(mode: CarrierBindOptions["mode"], index: number): CarrierBind {
    const { options } = this;
    const bind = new CarrierBind({
      carrier: options.carrier,
      index,
      mode,
      source: this.source,
      logger: options.logger,
      maxPduBytes: options.maxPduBytes ?? DEFAULT_MAX_PDU_BYTES,
      receiptsInProgress: options.receiptsInProgress ?? DEFAULT_RECEIPTS_IN_PROGRESS,
      onReceipt: (receipt, bindId, handset) =>
        this.onReceipt({ carrierId: this.id, bindId, receipt, handset }),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.monotonicClock ? { monotonicClock: options.monotonicClock } : {}),
      ...(options.wallClock ? { wallClock: options.wallClock } : {}),
      ...(options.rng ? { rng: options.rng } : {}),
    });
    bind.on("bound", () => {
      this.firstBoundAt ??= this.epochClock();
      this.kick();
    });
    return bind;
  }

  /** The carrier's configured binds: slots 0..slotCount-1 (see bind-slots.ts). */
  get slotCount(): number {
    return this.options.carrier.binds;
  }

  /** Where slot k's binds are in `binds` (its transceiver, or its transmitter and receiver). */
  private slotPositions(slot: number): number[] {
    return this.modes.map((_, m) => m * this.slotCount + slot);
  }

  /** Opens the binds of a slot this instance now holds the lease of (new ones when earlier ones were closed). */
  openSlot(slot: number): void {
    if (this.closing) return;
    for (const position of this.slotPositions(slot)) {
      let bind = this.binds[position]!;
      if (bind.isClosed) bind = this.binds[position] = this.newBind(bind.mode, slot);
      bind.start();
    }
  }

  /**
   * Drains and unbinds a slot's binds within `withinMs` (its lease goes to another instance, or could not be renewed).
   * When no bind of this pool is left open, what is still queued or held for a retry fails as at close (never sent:
   * safe to send elsewhere), rather than wait for a bind this instance may never hold again.
   */
  async closeSlot(slot: number, withinMs: number, moved: boolean): Promise<void> {
    await Promise.allSettled(this.slotPositions(slot).map((p) => this.binds[p]!.close(withinMs)));
    // Moved elsewhere: no "bind down" series (and alert) for a bind another instance now holds. Lost (Redis
    // unreachable): down here, and said so.
    for (const p of this.slotPositions(slot)) {
      const labels = { carrier: this.id, bind: this.binds[p]!.id };
      if (moved) this.options.metrics?.bindUp.remove(labels);
      else this.options.metrics?.bindUp.set(labels, 0);
    }
    if (this.closing || this.hasOpenSender()) return;
    // Held retries first: given back now, requeue fails them too (no bind is left to serve them).
    this.retries.releaseAll();
    for (const item of this.queue.drain()) item.reject(this.closedBeforeSent());
    this.options.metrics?.carrierQueued.set({ carrier: this.id }, 0);
  }

  /**
   * Whether a bind that can submit is open: bound, or on its way (connecting, binding, or waiting to reconnect — a
   * bind briefly down keeps its queue). False once the last such bind was closed (its slot went, or shutdown).
   */
  private hasOpenSender(): boolean {
    return this.binds.some((b) => b.mode !== "receiver" && b.isOpen);
  }

  /** Whether another instance holds a bind slot of this carrier (always false without leases). */
  get servedElsewhere(): boolean {
    return this.options.slots?.heldElsewhere(this.id) ?? false;
  }

  /** Opens every bind; with bind-slot leases (`slots`), only those of the slots held (the lease manager opens them). */
  start(): void {
    if (this.options.slots) return;
    for (const bind of this.binds) bind.start();
  }

  /**
   * Where receipts go to be recorded. The carrier's deliver_sm is answered when the handler settles: OK when
   * it resolves, ESME_RX_T_APPN (redeliver later) when it rejects. Without a handler receipts are only emitted.
   */
  setReceiptHandler(handler: ((event: CarrierReceipt) => Promise<void>) | undefined): void {
    this.receiptHandler = handler;
  }

  private onReceipt(event: CarrierReceipt): Promise<void> | undefined {
    this.emit("receipt", event);
    return this.receiptHandler?.(event);
  }

  /** Binds currently able to submit. */
  get boundCount(): number {
    // Asked for every message (admission, carrier choice): counted without building anything.
    let count = 0;
    for (const bind of this.binds) if (bind.isBound && bind.mode !== "receiver") count++;
    return count;
  }

  /** What each bind has written so far: a receipt's lookup waits only for those (src/delivery/receipt-lookup.ts). */
  requestMarks(): RequestMark[] {
    const marks: RequestMark[] = [];
    for (const bind of this.binds) {
      const mark = bind.requestMark();
      if (mark) marks.push(mark);
    }
    return marks;
  }

  /** Most submits that may wait; beyond it `submit` rejects (back-pressure). */
  get maxQueued(): number {
    return this.maxQueuedSubmits;
  }

  get queued(): number {
    return this.queue.length;
  }

  /**
   * How long a submit queued now would wait before it is written, at the configured throughput of the binds up now
   * (Infinity with none): a carrier whose queue cannot drain before a submit's not-after time is no choice for it.
   */
  estimatedWaitMs(): number {
    const rate = this.boundCount * this.options.carrier.throughputPerSecond;
    if (rate <= 0) return Infinity;
    return (this.queue.length / rate) * 1000;
  }

  /**
   * Queues one submit_sm. Resolves with the carrier's answer (accepted with its message id, or rejected
   * with a classified status — a transient one once its retries, see submit-retries.ts, are used up), or with
   * not_sent when it was never written: its `ticket`'s not-after time came first (deadline_passed) or its attempt
   * withdrew it (withdrawn); with a ticket that has a `validUntil`, the validity_period is set when the submit is
   * written. Rejects with ConnectionClosedError / ResponseTimeoutError when the PDU was written but its outcome is
   * unknown, and with OTPGW_ERR_CARRIER_SATURATED / _CLOSED when it was not queued.
   */
  submit(fields: SubmitFields, ticket?: SubmitTicket): Promise<SubmitOutcome> {
    if (this.closing) {
      return Promise.reject(new OtpgwError(ErrorCodes.CARRIER_CLOSED, `carrier ${this.id} is shutting down`));
    }
    if (this.queue.length >= this.maxQueuedSubmits) {
      return Promise.reject(
        new OtpgwError(
          ErrorCodes.CARRIER_SATURATED,
          `carrier ${this.id} has ${this.queue.length} submits waiting`,
        ),
      );
    }
    return new Promise<SubmitOutcome>((resolve, reject) => {
      const now = this.epochClock();
      const item: QueuedSubmit = { fields, enqueuedAt: now, ticket, resolve, reject };
      if (ticket && !ticket.queued(now, (reason, wasWaiting) => this.notSent(item, reason, wasWaiting)))
        return;
      this.queue.push(item);
      this.options.metrics?.carrierQueued.set({ carrier: this.id }, this.queue.length);
      this.kick();
    });
  }

  /** The next submit a bind may write now: refuses those whose not-after time has come, sets validity. */
  private nextToWrite(): QueuedSubmit | undefined {
    // A lease that may have run out (bind-slot leases): nothing goes out until renewed (or the bind closes).
    if (this.options.slots && !this.options.slots.mayWrite()) return undefined;
    for (;;) {
      const item = this.queue.next();
      const ticket = item?.ticket;
      if (!ticket) return item;
      const now = this.epochClock();
      if (!ticket.take(now)) continue;
      if (ticket.validUntil !== undefined) {
        item.fields.validity_period = relativeValidity((ticket.validUntil - now) / 1000);
      }
      return item;
    }
  }

  /**
   * Takes back a submit a bind did not get written (throttled, never sent, or held for a retry): it goes out before
   * newer ones. One withdrawn meanwhile is answered not_sent; once closing, or once no bind that could send it is open
   * (closeSlot closed the last one), it fails as everything unsent does — no bind would take it.
   */
  private requeue(item: QueuedSubmit): void {
    if (item.ticket && !item.ticket.returned()) return;
    if (this.closing || !this.hasOpenSender()) {
      item.reject(this.closedBeforeSent());
      return;
    }
    this.queue.requeue(item);
    this.kick();
  }

  private closedBeforeSent(): OtpgwError {
    return new OtpgwError(ErrorCodes.CARRIER_CLOSED, `carrier ${this.id} closed before the submit was sent`);
  }

  /** Answers a submit that was never written (see SubmitTicket): not the carrier's doing. */
  private notSent(item: QueuedSubmit, reason: NotSentReason, wasWaiting: boolean): void {
    if (wasWaiting) {
      this.queue.countWithdrawn();
      this.options.metrics?.carrierQueued.set({ carrier: this.id }, this.queue.length);
    }
    this.options.metrics?.submits.inc({ carrier: this.id, outcome: "not_sent", status: reason });
    item.resolve({ kind: "not_sent", reason });
  }

  status(): CarrierStatus {
    const binds = this.binds.map((b) => b.status());
    return {
      id: this.id,
      queued: this.queue.length,
      bound: binds.filter((b) => b.state === "bound").length,
      binds,
    };
  }

  /**
   * Stops taking submits, fails what is still queued or held for a retry (never sent: OTPGW_ERR_CARRIER_CLOSED, safe
   * to send elsewhere) and whatever a bind gives back unsent from now on, drains each bind's window until `timeoutMs`
   * passes, and unbinds. Idempotent.
   */
  async close(timeoutMs: number): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const item of this.queue.drain()) item.reject(this.closedBeforeSent());
    this.retries.releaseAll();
    await Promise.allSettled(this.binds.map((b) => b.close(timeoutMs)));
  }

  /** Lets every bind pull work, once per tick however many submits arrived in it. */
  private kick(): void {
    if (this.kickScheduled) return;
    this.kickScheduled = true;
    setImmediate(() => {
      this.kickScheduled = false;
      // Rotate the starting bind so that a light load still spreads over all of them.
      const n = this.binds.length;
      const start = Math.floor(Math.random() * n);
      for (let i = 0; i < n && this.queue.length > 0; i++) this.binds[(start + i) % n]!.pump();
      this.options.metrics?.carrierQueued.set({ carrier: this.id }, this.queue.length);
    });
  }
}
