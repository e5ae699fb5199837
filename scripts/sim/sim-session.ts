/**
 * One SMSC-side session over one socket: framing, bind state, enquire_link, unbind, generic_nack, the receipts it
 * carries and their deliver_sm_resp. submit_sm is handed to the host (see submit-handler.ts).
 *
 * We frame the socket ourselves rather than use node-smpp's Session: its decoder re-decodes short_message with a
 * module-global codec, wedges on malformed input and hides the raw bytes our own parsers need (SMPP-NOTES A.5).
 * node-smpp is only the codec here (bind decode, outgoing PDUs).
 */
import type { Socket } from "node:net";
import { SmppError } from "../../src/errors.js";
import { parseBindBody, type BindBody } from "../../src/smpp/bind-body.js";
import { SmppStatus } from "../../src/smpp/command-status.js";
import { CommandId, RESPONSE_BIT } from "../../src/smpp/constants.js";
import { encodeGenericNack, encodeHeaderOnlyResponse, encodePdu } from "../../src/smpp/session/pdu-codec.js";
import { FramingError, PduFramer } from "../../src/smpp/session/pdu-framer.js";
import type { BindType } from "./counters.js";
import { BindStats } from "./counters.js";
import type { ReceiptJob, ReceiptTarget } from "./receipt-dispatcher.js";
import { encodeReceipt, TLV_MIN_INTERFACE_VERSION } from "./receipt-pdu.js";
import type { SessionHost } from "./session-host.js";

/** Sequence numbers run 1..0x7FFFFFFF (§3.2) and wrap back to 1. */
const MAX_SEQUENCE = 0x7fffffff;
/** Output buffered beyond this stops reading from the client until the socket drains (back-pressure). */
const WRITE_HIGH_WATER_BYTES = 1024 * 1024;
/** After a refused bind, a framing error or an unbind, how long the client gets to close before we destroy. */
const CLOSE_GRACE_MS = 1000;
/** The SMSC's own system_id, in bind responses. */
const SMSC_SYSTEM_ID = "otpgw-sim";

const TEMPORARY_RECEIPT_ERRORS: ReadonlySet<number> = new Set<number>([
  SmppStatus.ESME_RX_T_APPN,
  SmppStatus.ESME_RMSGQFUL,
  SmppStatus.ESME_RTHROTTLED,
]);

type State = "open" | "bound" | "unbound" | "closed";

export class SimSession implements ReceiptTarget {
  readonly sessionId: number;
  readonly socket: Socket;
  systemId = "";
  bindType: BindType | undefined;
  interfaceVersion = 0;
  stats: BindStats | undefined;
  private state: State = "open";
  private readonly host: SessionHost;
  private readonly framer: PduFramer;
  private nextSequence = 1;
  private readonly receiptsInFlight = new Map<number, ReceiptJob>();
  private corked = false;
  private readPaused = false;
  private closeTimer: NodeJS.Timeout | undefined;

  constructor(sessionId: number, socket: Socket, host: SessionHost) {
    this.sessionId = sessionId;
    this.socket = socket;
    this.host = host;
    this.framer = new PduFramer(host.options.maxPduBytes);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (error) => {
      host.logger.debug({ session: sessionId, err: error.message }, "session socket error");
      socket.destroy();
    });
    socket.on("close", () => this.onClose());
  }

  get isOpen(): boolean {
    return this.state !== "closed";
  }

  get isBound(): boolean {
    return this.state === "bound";
  }

  get bindId(): string {
    return `${this.systemId}#${this.sessionId}`;
  }

  get isTransceiver(): boolean {
    return this.bindType === "transceiver";
  }

  get canSubmit(): boolean {
    return this.state === "bound" && (this.bindType === "transmitter" || this.bindType === "transceiver");
  }

  canTakeReceipt(): boolean {
    return (
      this.state === "bound" &&
      this.bindType !== "transmitter" &&
      this.host.outage !== "stop-answering" &&
      this.receiptsInFlight.size < this.host.options.receiptWindow
    );
  }

  /** Closes the connection at once (stop, outage). Receipts in flight are queued again for another bind. */
  destroy(): void {
    this.socket.destroy();
  }

  /**
   * Writes a submit_sm_resp, unless the session closed meanwhile or the SMSC stopped answering (then the submit
   * stays outstanding, as the client sees it). Counts it against `outstanding` only when written.
   */
  writeSubmitResponse(sequence: number, status: number, messageId: string): void {
    if (this.state === "closed" || this.host.outage === "stop-answering") return;
    const pdu =
      status === 0
        ? encodePdu("submit_sm_resp", sequence, { message_id: messageId })
        : encodeHeaderOnlyResponse(CommandId.submit_sm, sequence, status);
    if (!this.write(pdu)) return;
    this.stats?.responseWritten();
    this.host.counterBook.submitResponse(status);
  }

  sendReceipt(job: ReceiptJob): void {
    const sequence = this.takeSequence();
    // In flight even if the write fails: the close that follows re-queues it.
    this.receiptsInFlight.set(sequence, job);
    if (!this.write(encodeReceipt(job, sequence, this.host.options.receiptStyle, this.interfaceVersion)))
      return;
    this.host.counterBook.receiptsSent++;
    if (this.stats) this.stats.receiptsSent++;
  }

  private takeSequence(): number {
    const sequence = this.nextSequence;
    this.nextSequence = sequence >= MAX_SEQUENCE ? 1 : sequence + 1;
    return sequence;
  }

  private onData(chunk: Buffer): void {
    if (this.state === "closed") return;
    let frames: Buffer[];
    try {
      frames = this.framer.push(chunk);
    } catch (error) {
      // Framing is lost and SMPP cannot resync: say so (generic_nack RINVCMDLEN) and close.
      const sequence = error instanceof FramingError ? error.sequence : 0;
      this.host.logger.info({ session: this.sessionId }, "framing lost; closing session");
      this.write(encodeGenericNack(sequence, SmppStatus.ESME_RINVCMDLEN));
      this.host.counterBook.genericNacksSent++;
      this.closeSoon();
      return;
    }
    for (const frame of frames) {
      // A handler may have destroyed the socket (its 'close' event comes later).
      if (this.socket.destroyed) return;
      try {
        this.onFrame(frame);
      } catch (error) {
        // Never let one PDU's handling throw out of the socket handler; this session is no longer trustworthy.
        this.host.logger.warn(
          { session: this.sessionId, err: error instanceof Error ? error.message : String(error) },
          "error handling a PDU; closing session",
        );
        this.socket.destroy();
        return;
      }
    }
  }

  private onFrame(frame: Buffer): void {
    const commandId = frame.readUInt32BE(4);
    const sequence = frame.readUInt32BE(12);
    // A hung SMSC reads (so the client's writes do not block) but answers nothing.
    if (this.host.outage === "stop-answering") {
      if (commandId === CommandId.submit_sm && this.canSubmit) this.countSubmit();
      return;
    }
    switch (commandId) {
      case CommandId.submit_sm:
        if (!this.canSubmit) {
          this.reject(commandId, sequence, SmppStatus.ESME_RINVBNDSTS);
          return;
        }
        this.countSubmit();
        this.host.handleSubmit(this, frame, sequence);
        return;
      case CommandId.deliver_sm_resp:
        this.onReceiptAnswer(sequence, frame.readUInt32BE(8));
        return;
      case CommandId.generic_nack:
        // A nack of one of our receipts; a nack of anything else is ignored (never nack a nack).
        this.onReceiptAnswer(sequence, frame.readUInt32BE(8) || SmppStatus.ESME_RUNKNOWNERR);
        return;
      case CommandId.enquire_link:
        this.write(encodeHeaderOnlyResponse(commandId, sequence, SmppStatus.ESME_ROK));
        this.host.counterBook.enquireLinksAnswered++;
        return;
      case CommandId.unbind:
        this.write(encodeHeaderOnlyResponse(commandId, sequence, SmppStatus.ESME_ROK));
        this.host.counterBook.unbindsReceived++;
        this.leaveBound("unbound");
        this.closeSoon();
        return;
      case CommandId.bind_transmitter:
      case CommandId.bind_receiver:
      case CommandId.bind_transceiver:
        this.onBind(frame, commandId, sequence);
        return;
      default:
        // Responses we do not expect are dropped; any other request is a command this SMSC does not offer.
        if ((commandId & RESPONSE_BIT) !== 0) return;
        this.write(encodeGenericNack(sequence, SmppStatus.ESME_RINVCMDID));
        this.host.counterBook.genericNacksSent++;
    }
  }

  private countSubmit(): void {
    const now = this.host.options.now();
    this.stats?.submitRead(now);
    this.host.counterBook.submitsReceived++;
    this.host.counterBook.series.add(now);
  }

  /** An immediate error response that still counts as a response to a counted submit when it is one. */
  private reject(commandId: number, sequence: number, status: number): void {
    if (commandId === CommandId.submit_sm) this.host.counterBook.submitsReceived++;
    if (
      this.write(encodeHeaderOnlyResponse(commandId, sequence, status)) &&
      commandId === CommandId.submit_sm
    ) {
      this.host.counterBook.submitResponse(status);
    }
  }

  private onBind(frame: Buffer, commandId: number, sequence: number): void {
    if (this.state !== "open") {
      this.write(encodeHeaderOnlyResponse(commandId, sequence, SmppStatus.ESME_RALYBND));
      return;
    }
    let bind: BindBody;
    try {
      bind = parseBindBody(frame);
    } catch (error) {
      // A bind body we cannot read: answer with the codec's status and close, as for any refused bind.
      this.host.counterBook.bindsRefused++;
      const status = error instanceof SmppError ? error.status : SmppStatus.ESME_RSYSERR;
      this.write(encodeHeaderOnlyResponse(commandId, sequence, status));
      this.closeSoon();
      return;
    }
    const { systemId, password, interfaceVersion: version, type: bindType } = bind;
    const status = this.host.authorizeBind(systemId, password, version);
    if (status !== SmppStatus.ESME_ROK) {
      this.host.counterBook.bindsRefused++;
      this.host.logger.info({ session: this.sessionId, systemId, status }, "bind refused");
      this.write(encodeHeaderOnlyResponse(commandId, sequence, status));
      this.closeSoon();
      return;
    }
    this.state = "bound";
    this.systemId = systemId;
    this.bindType = bindType;
    this.interfaceVersion = version;
    this.stats = new BindStats(this.sessionId, systemId, bindType, version, this.socket.remotePort ?? 0);
    const response: Record<string, unknown> = { system_id: SMSC_SYSTEM_ID };
    if (version >= TLV_MIN_INTERFACE_VERSION) response.sc_interface_version = 0x34;
    this.write(encodePdu(`bind_${bindType}_resp`, sequence, response));
    this.host.counterBook.bindsAccepted++;
    this.host.logger.info({ session: this.sessionId, systemId, bindType }, "bind accepted");
    this.host.onBound(this);
  }

  private onReceiptAnswer(sequence: number, status: number): void {
    const job = this.receiptsInFlight.get(sequence);
    if (job === undefined) return;
    this.receiptsInFlight.delete(sequence);
    const counters = this.host.counterBook;
    if (status === SmppStatus.ESME_ROK) {
      counters.receiptsAcknowledged++;
      if (this.stats) this.stats.receiptsAcknowledged++;
    } else {
      counters.receiptsRejected++;
      if (TEMPORARY_RECEIPT_ERRORS.has(status)) {
        counters.receiptsRequeued++;
        this.host.retryReceipt(job);
      }
    }
    this.host.receiptSlotFreed(this.systemId);
  }

  /** Leaves the bound state: no more submits or receipts here; receipts in flight go back to the queue. */
  private leaveBound(next: "unbound" | "closed"): void {
    const wasBound = this.state === "bound";
    this.state = next;
    if (!wasBound) return;
    this.host.onUnbound(this);
    if (this.receiptsInFlight.size > 0) {
      const jobs = [...this.receiptsInFlight.values()];
      this.receiptsInFlight.clear();
      this.host.counterBook.receiptsRequeued += jobs.length;
      for (const job of jobs) this.host.requeueReceipt({ ...job, origin: undefined });
    }
  }

  /** Lets what was written flush, then closes; destroys if the client does not close within the grace. */
  private closeSoon(): void {
    if (this.closeTimer) return;
    if (this.state === "open") this.state = "unbound";
    this.socket.end();
    this.closeTimer = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
    this.closeTimer.unref();
  }

  private onClose(): void {
    if (this.state === "closed") return;
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.leaveBound("closed");
    this.host.onClosed(this);
  }

  /**
   * Writes coalesced per event-loop turn (cork until the next tick) to save syscalls under load. False when the
   * socket can no longer be written (closing): nothing was sent.
   */
  private write(buffer: Buffer): boolean {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return false;
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(uncork, this);
    }
    socket.write(buffer);
    if (!this.readPaused && socket.writableLength > WRITE_HIGH_WATER_BYTES) {
      // The client is not reading its responses: stop reading its requests until it catches up.
      this.readPaused = true;
      socket.pause();
      socket.once("drain", () => {
        this.readPaused = false;
        socket.resume();
      });
    }
    return true;
  }

  /** @internal */
  uncork(): void {
    this.corked = false;
    this.socket.uncork();
  }
}

function uncork(session: SimSession): void {
  session.uncork();
}
