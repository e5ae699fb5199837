/**
 * What the simulator counts, globally and per bind. Tests read these to check the client's behaviour (window,
 * throughput cap, exactly-once), so they are exact: `outstanding` goes +1 when a submit_sm is read and −1 when its
 * response is written, and per-second buckets are aligned on floor(Date.now() / 1000).
 */

export type BindType = "transmitter" | "receiver" | "transceiver";

/** Submits received in one wall-clock second (`second` = floor(ms / 1000)). */
export interface PerSecondCount {
  second: number;
  submits: number;
}

export interface BindCounters {
  /** `<systemId>#<sessionId>`. */
  bindId: string;
  /** Connection ordinal in this simulator, from 1. */
  sessionId: number;
  systemId: string;
  bindType: BindType;
  interfaceVersion: number;
  /** The client's port: lets a test find the counters of its own socket (`socket.localPort`). */
  remotePort: number;
  open: boolean;
  submitsReceived: number;
  /** submit_sm read and not yet answered, now. */
  outstanding: number;
  /** The most submit_sm read and not yet answered at once. */
  maxOutstanding: number;
  /** The most submit_sm read in one second bucket. */
  maxSubmitsPerSecond: number;
  throttled: number;
  receiptsSent: number;
  receiptsAcknowledged: number;
  /** The last (up to 120) non-empty second buckets, oldest first. */
  perSecond: PerSecondCount[];
}

export interface SimulatorCounters {
  /** TCP connections taken in (bound or not). */
  connectionsAccepted: number;
  /** TCP connections closed at once because of the "drop-connections" outage. */
  connectionsRefused: number;
  /** TCP connections open now, bound or not. */
  currentSessions: number;
  bindsAccepted: number;
  bindsRefused: number;
  /** submit_sm PDUs read, bound or not (parts count one each). */
  submitsReceived: number;
  /** submit_sm_resp written, by command_status as "0x" + 8 hex digits (e.g. "0x00000058"). */
  submitResponsesByStatus: Record<string, number>;
  throttled: number;
  /** submit_sm refused with ESME_RMSGQFUL because the bind had `windowLimit` unanswered. */
  queueFull: number;
  /** Whole messages recorded (a multi-part message counts once, when complete). */
  messagesReceived: number;
  /** A part whose sequence number had already arrived for the same concatenated message. */
  duplicateParts: number;
  receiptsScheduled: number;
  /** deliver_sm receipts written (a redelivery counts again). */
  receiptsSent: number;
  receiptsAcknowledged: number;
  /** deliver_sm_resp (or generic_nack) with a non-zero status. */
  receiptsRejected: number;
  /** Receipts re-queued because the session closed before answering, or a temporary error status. */
  receiptsRequeued: number;
  /** Receipts due but waiting for a receiver/transceiver bind (or for the window, or for an outage to end). */
  receiptsPending: number;
  /** Receipts dropped because too many waited for one account (500,000). */
  receiptsDropped: number;
  enquireLinksAnswered: number;
  /** unbind requests answered (a client closing gracefully). */
  unbindsReceived: number;
  genericNacksSent: number;
  maxSubmitsPerSecond: number;
  perSecond: PerSecondCount[];
  /** Bound sessions still open, then the most recently closed ones (up to 1000). */
  binds: BindCounters[];
}

const SERIES_LENGTH = 120;
const CLOSED_BINDS_KEPT = 1000;

/** Counts events into one-second buckets, keeping the last 120 non-empty ones and the maximum. */
export class PerSecondSeries {
  private current = -1;
  private count = 0;
  private readonly done: PerSecondCount[] = [];
  max = 0;

  /** Counts one event at `nowMs`. */
  add(nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.current) {
      if (this.count > 0) {
        this.done.push({ second: this.current, submits: this.count });
        if (this.done.length > SERIES_LENGTH) this.done.shift();
      }
      this.current = second;
      this.count = 0;
    }
    this.count++;
    if (this.count > this.max) this.max = this.count;
  }

  snapshot(): PerSecondCount[] {
    const out = this.done.slice();
    if (this.count > 0) out.push({ second: this.current, submits: this.count });
    return out.slice(-SERIES_LENGTH);
  }
}

/** Mutable per-bind figures, owned by one session. */
export class BindStats {
  submitsReceived = 0;
  outstanding = 0;
  maxOutstanding = 0;
  throttled = 0;
  receiptsSent = 0;
  receiptsAcknowledged = 0;
  open = true;
  series = new PerSecondSeries();
  private acceptedSecond = -1;
  private acceptedInSecond = 0;

  constructor(
    readonly sessionId: number,
    readonly systemId: string,
    readonly bindType: BindType,
    readonly interfaceVersion: number,
    readonly remotePort: number,
  ) {}

  submitRead(nowMs: number): void {
    this.submitsReceived++;
    this.outstanding++;
    if (this.outstanding > this.maxOutstanding) this.maxOutstanding = this.outstanding;
    this.series.add(nowMs);
  }

  responseWritten(): void {
    if (this.outstanding > 0) this.outstanding--;
  }

  /** True (and counts it) if one more accepted submit fits under `limit` in the current second. */
  admit(nowMs: number, limit: number | undefined): boolean {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.acceptedSecond) {
      this.acceptedSecond = second;
      this.acceptedInSecond = 0;
    }
    if (limit !== undefined && this.acceptedInSecond >= limit) return false;
    this.acceptedInSecond++;
    return true;
  }

  /** Zeroes the figures but keeps `outstanding` (those responses are still to be written). */
  reset(): void {
    this.submitsReceived = 0;
    this.maxOutstanding = this.outstanding;
    this.throttled = 0;
    this.receiptsSent = 0;
    this.receiptsAcknowledged = 0;
    this.series = new PerSecondSeries();
  }

  snapshot(): BindCounters {
    return {
      bindId: `${this.systemId}#${this.sessionId}`,
      sessionId: this.sessionId,
      systemId: this.systemId,
      bindType: this.bindType,
      interfaceVersion: this.interfaceVersion,
      remotePort: this.remotePort,
      open: this.open,
      submitsReceived: this.submitsReceived,
      outstanding: this.outstanding,
      maxOutstanding: this.maxOutstanding,
      maxSubmitsPerSecond: this.series.max,
      throttled: this.throttled,
      receiptsSent: this.receiptsSent,
      receiptsAcknowledged: this.receiptsAcknowledged,
      perSecond: this.series.snapshot(),
    };
  }
}

/** The simulator-wide figures and the per-bind ones (open, plus a bounded list of closed). */
export class CounterBook {
  connectionsAccepted = 0;
  connectionsRefused = 0;
  currentSessions = 0;
  bindsAccepted = 0;
  bindsRefused = 0;
  submitsReceived = 0;
  throttled = 0;
  queueFull = 0;
  messagesReceived = 0;
  duplicateParts = 0;
  receiptsScheduled = 0;
  receiptsSent = 0;
  receiptsAcknowledged = 0;
  receiptsRejected = 0;
  receiptsRequeued = 0;
  enquireLinksAnswered = 0;
  unbindsReceived = 0;
  genericNacksSent = 0;
  series = new PerSecondSeries();
  private byStatus = new Map<number, number>();
  private openBinds = new Set<BindStats>();
  private closedBinds: BindStats[] = [];

  submitResponse(status: number): void {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
  }

  bindOpened(stats: BindStats): void {
    this.openBinds.add(stats);
  }

  bindClosed(stats: BindStats): void {
    if (!this.openBinds.delete(stats)) return;
    stats.open = false;
    // A closed session has nothing outstanding any more; its maximum stays.
    stats.outstanding = 0;
    this.closedBinds.push(stats);
    if (this.closedBinds.length > CLOSED_BINDS_KEPT) this.closedBinds.shift();
  }

  snapshot(receiptsPending: number, receiptsDropped: number): SimulatorCounters {
    const submitResponsesByStatus: Record<string, number> = {};
    for (const [status, n] of [...this.byStatus].sort((a, b) => a[0] - b[0])) {
      submitResponsesByStatus[statusKey(status)] = n;
    }
    return {
      connectionsAccepted: this.connectionsAccepted,
      connectionsRefused: this.connectionsRefused,
      currentSessions: this.currentSessions,
      bindsAccepted: this.bindsAccepted,
      bindsRefused: this.bindsRefused,
      submitsReceived: this.submitsReceived,
      submitResponsesByStatus,
      throttled: this.throttled,
      queueFull: this.queueFull,
      messagesReceived: this.messagesReceived,
      duplicateParts: this.duplicateParts,
      receiptsScheduled: this.receiptsScheduled,
      receiptsSent: this.receiptsSent,
      receiptsAcknowledged: this.receiptsAcknowledged,
      receiptsRejected: this.receiptsRejected,
      receiptsRequeued: this.receiptsRequeued,
      receiptsPending,
      receiptsDropped,
      enquireLinksAnswered: this.enquireLinksAnswered,
      unbindsReceived: this.unbindsReceived,
      genericNacksSent: this.genericNacksSent,
      maxSubmitsPerSecond: this.series.max,
      perSecond: this.series.snapshot(),
      binds: [...this.openBinds, ...this.closedBinds].map((b) => b.snapshot()),
    };
  }

  /** Zeroes every figure; open sessions keep counting from zero, closed ones are forgotten. */
  reset(): void {
    this.connectionsAccepted = 0;
    this.connectionsRefused = 0;
    this.bindsAccepted = 0;
    this.bindsRefused = 0;
    this.submitsReceived = 0;
    this.throttled = 0;
    this.queueFull = 0;
    this.messagesReceived = 0;
    this.duplicateParts = 0;
    this.receiptsScheduled = 0;
    this.receiptsSent = 0;
    this.receiptsAcknowledged = 0;
    this.receiptsRejected = 0;
    this.receiptsRequeued = 0;
    this.enquireLinksAnswered = 0;
    this.unbindsReceived = 0;
    this.genericNacksSent = 0;
    this.series = new PerSecondSeries();
    this.byStatus.clear();
    this.closedBinds = [];
    for (const b of this.openBinds) b.reset();
  }
}

/** The key of a command_status in `submitResponsesByStatus`. */
export function statusKey(status: number): string {
  return `0x${status.toString(16).padStart(8, "0")}`;
}
