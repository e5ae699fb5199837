import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import type { CarrierConfig } from "../config/types.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { Clock, RequestMark } from "../smpp/session/request-window.js";
import { LogThrottle } from "../observability/log-throttle.js";
import { InboundLimit } from "../smpp/session/inbound-limit.js";
import { monotonicNow } from "../smpp/session/monotonic-clock.js";
import { SmppSession } from "../smpp/session/smpp-session.js";
import { requestBind } from "./bind-request.js";
import { answerCarrierRequest, type CarrierRequestContext } from "./carrier-deliver.js";
import { connectCarrier } from "./carrier-socket.js";
import { drainAndUnbind } from "./drain-and-unbind.js";
import { reasonLabel } from "./drop-reason.js";
import { Keepalive } from "./keepalive.js";
import { ReconnectBackoff } from "./reconnect-backoff.js";
import {
  BIND_LOST,
  MAX_SUBMIT_TIMEOUTS_IN_ROW,
  SUBMITS_UNANSWERED,
  SubmitAnswers,
} from "./submit-answers.js";
import type { BindState, BindStatus, QueuedSubmit, SubmitSource } from "./submit-types.js";
import { ThrottleControl } from "./throttle-control.js";
import { TokenBucket } from "./token-bucket.js";

/** Short bind names for ids such as `id-telkomsel/trx0` (logs, metrics, status). */
const BIND_ID_PREFIX = { transceiver: "trx", transmitter: "tx", receiver: "rx" } as const;

export interface CarrierBindOptions {
  carrier: CarrierConfig;
  /** Position among the carrier's binds (for the bind id). */
  index: number;
  mode: "transceiver" | "transmitter" | "receiver";
  source: SubmitSource;
  logger: Logger;
  metrics?: Metrics;
  maxPduBytes: number;
  /** Receipts (and other carrier requests) being answered at once before the bind stops reading. */
  receiptsInProgress: number;
  /** Records a receipt; the deliver_sm is answered when it settles (ESME_RX_T_APPN if it rejects). */
  onReceipt?: CarrierRequestContext["onReceipt"];
  /** Monotonic ms (default performance.now) for every duration: rate, keep-alive, backoff, deadlines. */
  monotonicClock?: Clock;
  /** Wall-clock epoch ms (default Date.now) for the timestamps others read: `boundSince` in status. */
  wallClock?: Clock;
  rng?: () => number;
}

/**
 * One persistent bind to a carrier: connect, bind (interface_version 0x34), keep alive, and reconnect with
 * backoff and jitter after any drop or refusal. While bound it takes submits from the carrier's queue
 * within its window (the session never exceeds it) and its throughput cap (a token bucket whose rate
 * halves on ESME_RTHROTTLED / ESME_RMSGQFUL). Receipts arriving on it go to `onReceipt`.
 *
 * Exactly-once towards the carrier: a submit that was never written goes back to the queue; one written
 * when the link dropped or timed out is rejected to the caller as outcome-unknown, never resent here.
 */
export class CarrierBind extends EventEmitter {
  readonly id: string;
  private readonly options: CarrierBindOptions;
  private readonly carrier: CarrierConfig;
  private readonly logger: Logger;
  /** Monotonic: durations only (see monotonic-clock.ts). */
  private readonly clock: Clock;
  private readonly wallClock: Clock;
  private readonly bucket: TokenBucket;
  private readonly throttle: ThrottleControl;
  private readonly answers: SubmitAnswers;
  private session: SmppSession | undefined;
  private keepalive: Keepalive | undefined;
  private state: BindState = "idle";
  private readonly backoff: ReconnectBackoff;
  private reconnects = 0;
  /** When the current session was bound: wall clock (status), and monotonic (ordering against a submit's lostAt). */
  private boundSince: number | undefined;
  private boundAt: number | undefined;
  private lastError: string | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pumpTimer: NodeJS.Timeout | undefined;
  private closeDeadline = Infinity;
  private closed: Promise<void> | undefined;
  /** Why the current session is dropped once its window is empty (the carrier lost the bind); undefined: it is not. */
  private dropWhenDrained: string | undefined;
  /** What deliver_sm handling needs of this bind (built once: every receipt passes through it). */
  private readonly inbound: CarrierRequestContext;

  constructor(options: CarrierBindOptions) {
    super();
    this.options = options;
    this.carrier = options.carrier;
    this.clock = options.monotonicClock ?? monotonicNow;
    this.wallClock = options.wallClock ?? Date.now;
    this.id = `${options.carrier.id}/${BIND_ID_PREFIX[options.mode]}${options.index}`;
    this.logger = options.logger.child({ carrier: options.carrier.id, bind: this.id });
    const rate = options.carrier.throughputPerSecond;
    this.bucket = new TokenBucket({ ratePerSecond: rate, clock: this.clock });
    this.throttle = new ThrottleControl({ maxRatePerSecond: rate, clock: this.clock });
    this.backoff = new ReconnectBackoff({
      minDelayMs: this.carrier.reconnectMinDelayMs,
      maxDelayMs: this.carrier.reconnectMaxDelayMs,
      rng: options.rng ?? Math.random,
      clock: this.clock,
    });
    this.answers = new SubmitAnswers({
      carrier: this.carrier,
      bindId: this.id,
      source: options.source,
      throttle: this.throttle,
      logger: this.logger,
      metrics: options.metrics,
      clock: this.clock,
      boundAt: () => this.boundAt,
    });
    this.inbound = {
      carrier: this.carrier,
      bindId: this.id,
      receives: options.mode !== "transmitter",
      logger: this.logger,
      notRecordedLog: new LogThrottle(10_000, this.clock),
      ...(options.metrics && { metrics: options.metrics }),
      ...(options.onReceipt && { onReceipt: options.onReceipt }),
    };
  }

  get isBound(): boolean {
    return this.state === "bound";
  }

  /** Started and not closed: bound or on its way (a closed bind stays closed; its slot reopens with a new one). */
  get isOpen(): boolean {
    return this.state !== "idle" && this.closed === undefined;
  }

  get isClosed(): boolean {
    return this.closed !== undefined;
  }

  start(): void {
    if (this.state !== "idle") return;
    this.connect();
  }

  get mode(): CarrierBindOptions["mode"] {
    return this.options.mode;
  }

  /** The requests this bind has written so far; undefined while it has no session. */
  requestMark(): RequestMark | undefined {
    return this.session?.requestMark();
  }

  status(): BindStatus {
    return {
      id: this.id,
      mode: this.options.mode,
      state: this.state,
      outstanding: this.session?.outstanding ?? 0,
      ratePerSecond: Math.round(this.throttle.currentRate() * 10) / 10,
      throttled: this.throttle.throttled,
      reconnects: this.reconnects,
      ...(this.boundSince !== undefined ? { boundSince: this.boundSince } : {}),
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
    };
  }

  /** Sends as many queued submits as the window, the socket and the throughput allow right now. */
  pump(): void {
    if (this.state !== "bound" || this.options.mode === "receiver" || this.pumpTimer) return;
    const session = this.session;
    if (!session) return;
    while (session.canSendNow) {
      const pause = this.throttle.pauseRemainingMs();
      if (pause > 0) return this.pumpLater(pause);
      const rate = this.throttle.currentRate();
      if (rate !== this.bucket.ratePerSecond) this.bucket.setRate(rate);
      if (!this.bucket.tryTake()) return this.pumpLater(this.bucket.msUntilAvailable());
      const item = this.options.source.next();
      if (!item) {
        this.bucket.refund();
        return;
      }
      this.send(session, item);
    }
  }

  /**
   * Stops taking submits, lets the window drain (for up to `withinMs`), unbinds (by then, or within
   * UNBIND_GRACE_MS after it) and stops reconnecting. A duration, not a time: each part reads its own clock.
   * Idempotent; never throws.
   */
  close(withinMs: number): Promise<void> {
    // A second call may bring the deadline forward (a lost bind-slot lease must close before it expires).
    this.closeDeadline = Math.min(this.closeDeadline, this.clock() + withinMs);
    return (this.closed ??= this.closeNow());
  }

  private async closeNow(): Promise<void> {
    this.state = "closing";
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    const session = this.session;
    if (session && !session.closed) await drainAndUnbind(session, () => this.closeDeadline, this.clock);
    this.keepalive?.stop();
    this.setState("closed");
  }

  private pumpLater(delayMs: number): void {
    this.pumpTimer = setTimeout(
      () => {
        this.pumpTimer = undefined;
        this.pump();
      },
      Math.max(1, delayMs),
    );
    this.pumpTimer.unref();
  }

  private send(session: SmppSession, item: QueuedSubmit): void {
    const sentAt = this.clock();
    session.request("submit_sm", item.fields).then(
      (response) => {
        const seconds = (this.clock() - sentAt) / 1000;
        this.options.metrics?.submitResponseSeconds.cell({ carrier: this.carrier.id }).observe(seconds);
        if (this.answers.answered(item, response)) this.bindLost(session);
        this.settled(session);
      },
      (error: Error) => {
        if (this.answers.failed(item, error)) this.dropDeadLink(session);
        // A timeout or an undecodable answer freed a window slot as a response does: the next submit goes now.
        this.settled(session);
      },
    );
  }

  /** A request on `session` was answered or ended: the window has a free slot (or, dropping, may be empty). */
  private settled(session: SmppSession): void {
    if (this.dropWhenDrained === undefined) return this.pump();
    if (session.outstanding === 0) session.destroy(this.dropWhenDrained);
  }

  /** Submits keep going unanswered although the link may answer keep-alives: drop it and rebind with backoff. */
  private dropDeadLink(session: SmppSession): void {
    if (session.closed) return;
    this.logger.warn(
      { timeouts: MAX_SUBMIT_TIMEOUTS_IN_ROW, timeoutMs: this.carrier.responseTimeoutMs },
      `${SUBMITS_UNANSWERED}: dropping the bind to rebind`,
    );
    session.destroy(SUBMITS_UNANSWERED);
  }

  /**
   * The carrier answered a submit ESME_RINVBNDSTS: it lost our bind (a failover behind a load balancer that kept TCP
   * up) yet answers — instantly, so this bind would pull most of the work, and no timeout would ever drop it. Nothing
   * more is submitted here; the answers to the submits still outstanding (refused the same way, requeued) are read,
   * bounded by the response timeout, and then the session is dropped to rebind with the usual backoff.
   */
  private bindLost(session: SmppSession): void {
    if (this.session !== session || this.state !== "bound") return;
    this.logger.warn({ outstanding: session.outstanding }, `${BIND_LOST}: dropping the bind to rebind`);
    this.setState("unbinding");
    this.dropWhenDrained = BIND_LOST;
  }

  private connect(): void {
    if (this.state === "closing" || this.state === "closed") return;
    this.setState("connecting");
    connectCarrier(
      this.carrier,
      (socket) => this.onConnected(socket),
      (reason) => this.scheduleReconnect(reason),
    );
  }

  private onConnected(socket: Socket): void {
    if (this.state === "closing" || this.state === "closed") {
      socket.destroy();
      return;
    }
    const session: SmppSession = new SmppSession({
      socket,
      logger: this.logger,
      maxPduBytes: this.options.maxPduBytes,
      windowSize: this.carrier.windowSize,
      responseTimeoutMs: this.carrier.responseTimeoutMs,
      clock: this.clock,
      onRequest: (pdu) => inFlight.track(answerCarrierRequest(pdu, this.inbound)),
    });
    // A carrier dumping the receipts it held during an outage waits in TCP, not in our memory and Redis's queue.
    const inFlight: InboundLimit = new InboundLimit(this.options.receiptsInProgress, session);
    this.session = session;
    session.once("close", (reason: string) => this.onSessionClosed(session, reason));
    session.once("unbind", () => this.onPeerUnbind(session));
    // Blocked by our own answers (receipts, keep-alives) with no submit outstanding, nothing else would wake the pump.
    session.on("drain", () => this.pump());
    this.setState("binding");
    void this.bind(session);
  }

  private async bind(session: SmppSession): Promise<void> {
    const { mode, metrics } = this.options;
    if (!(await requestBind(session, this.carrier, mode, this.logger, metrics))) return;
    // Refused when the carrier unbound (or the session closed) before this continuation ran: it closes and rebinds.
    if (!session.markBound(mode)) return;
    if (this.state === "closing" || this.state === "closed") return; // closed while binding: closeNow unbinds it
    this.backoff.up();
    this.answers.reset();
    this.boundSince = this.wallClock();
    this.boundAt = this.clock();
    this.lastError = undefined;
    this.setState("bound");
    this.logger.info({ mode: this.options.mode }, "carrier bind up");
    this.keepalive = new Keepalive({
      session,
      intervalMs: this.carrier.enquireLinkIntervalMs,
      maxMisses: this.carrier.enquireLinkMaxMisses,
      logger: this.logger,
      clock: this.clock,
      onSettled: () => this.settled(session),
    });
    this.keepalive.start();
    this.emit("bound");
    this.pump();
  }

  /**
   * The carrier asked to unbind — also while binding, its unbind in the same read as the bind_resp: no more submits
   * here (nor counted as bound) while the session answers and closes; it then reconnects with backoff.
   */
  private onPeerUnbind(session: SmppSession): void {
    if (this.session !== session || (this.state !== "bound" && this.state !== "binding")) return;
    this.setState("unbinding");
    this.logger.info(
      "carrier asked to unbind: no more submits on this bind; it reconnects when the session closes",
    );
  }

  private onSessionClosed(session: SmppSession, reason: string): void {
    if (this.session !== session) return;
    this.keepalive?.stop();
    this.keepalive = undefined;
    this.session = undefined;
    this.dropWhenDrained = undefined;
    this.boundSince = this.boundAt = undefined;
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
    if (this.state === "closing" || this.state === "closed") return;
    this.emit("down", reason);
    this.scheduleReconnect(reason);
  }

  private scheduleReconnect(reason: string): void {
    if (this.state === "closing" || this.state === "closed") return;
    const delay = this.backoff.nextDelayMs();
    this.reconnects++;
    this.lastError = reason;
    this.setState("backoff");
    this.options.metrics?.bindReconnects.inc({
      carrier: this.carrier.id,
      bind: this.id,
      reason: reasonLabel(reason),
    });
    this.logger.warn(
      { reason, delayMs: delay, attempt: this.backoff.attempt },
      "carrier bind down: reconnecting after backoff",
    );
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  private setState(state: BindState): void {
    this.state = state;
    this.options.metrics?.bindUp.set({ carrier: this.carrier.id, bind: this.id }, state === "bound" ? 1 : 0);
  }
}
