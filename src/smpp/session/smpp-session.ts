import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import type smpp from "smpp";
import { ConnectionClosedError, NotBoundError, NotSentError, SmppError } from "../../errors.js";
import type { Logger } from "../../observability/logger.js";
import {
  commandName,
  decodePdu,
  encodeGenericNack,
  encodeHeaderOnlyResponse,
  encodePdu,
  readHeader,
  type DecodedPdu,
} from "./pdu-codec.js";
import { SmppStatus } from "../command-status.js";
import { CommandId, RESPONSE_BIT } from "../constants.js";
import { CoalescingWriter } from "./coalescing-writer.js";
import { FrameIntake } from "./frame-intake.js";
import { InboundAnswers } from "./inbound-answers.js";
import { FramingError, PduFramer } from "./pdu-framer.js";
import { monotonicNow } from "./monotonic-clock.js";
import { RequestWindow, type Clock, type RequestMark } from "./request-window.js";
import { ResponseTimer } from "./response-timer.js";
import { boundState, isBoundState, mayRequestIn, type BindMode } from "./session-state.js";
import {
  MAX_UNSENT_BYTES,
  PEER_UNBOUND,
  type WaitingRequest,
  type SessionState,
  type SmppSessionOptions,
} from "./session-options.js";

/** Sequence numbers run 1..0x7FFFFFFF (SMPP 3.4 §3.2) and wrap back to 1. */
const MAX_SEQUENCE = 0x7fffffff;
/** How long a session closing after a fatal framing error waits for its generic_nack to flush. */
const FATAL_FLUSH_MS = 200;

export { MAX_UNSENT_BYTES, PEER_UNBOUND } from "./session-options.js";
export type { SessionState, SmppSessionOptions } from "./session-options.js";
export type { BindMode } from "./session-state.js";
export type { RequestHandler, ResponseSpec } from "./inbound-answers.js";

/**
 * One SMPP session over one socket: our own engine on top of the `smpp` package's codec (SMPP-NOTES A.3–A.5).
 * - framing with a maximum PDU size; a framing error answers generic_nack(ESME_RINVCMDLEN) and closes;
 * - a request window: at most `windowSize` requests outstanding, each with a deadline; requests beyond it
 *   wait in FIFO order and are written as slots free up and the socket drains;
 * - back-pressure on what we write back: beyond `maxUnsentBytes` unsent (a peer that sends and does not read),
 *   the peer's PDUs are not read until the socket drains, so answers never pile up in memory;
 * - on close every outstanding request is rejected with ConnectionClosedError (outcome unknown) and every
 *   waiting one with NotSentError (never written: safe to send again) — nothing waits forever;
 * - enquire_link and unbind are answered here, unknown commands get generic_nack(SmppStatus.ESME_RINVCMDID), and a
 *   handler that throws becomes an error response, never an uncaught exception.
 *
 * Events: `close` (reason: string), `unbind` (the peer asked to unbind: the session closes, reason PEER_UNBOUND, once
 * its unbind_resp is written and the answers to our requests still outstanding are in or timed out), `refused`
 * (reason, status: a PDU the engine answered generic_nack itself — unknown command_id, framing lost), `drain` (the
 * socket took what was blocked: `canSendNow` may be true again, though no request of ours was settled).
 */
export class SmppSession extends EventEmitter {
  state: SessionState = "open";
  /** When the last PDU arrived, on the session's clock (for keep-alive: compare it with that clock only). */
  lastReceivedAt: number;
  private readonly socket: Socket;
  private readonly logger: Logger;
  private readonly framer: PduFramer;
  private readonly window = new RequestWindow();
  private readonly waiting: WaitingRequest[] = [];
  private readonly clock: Clock;
  private readonly windowSize: number;
  private readonly responseTimeoutMs: number;
  private readonly answers: InboundAnswers;
  private readonly intake: FrameIntake;
  private sequence = 0;
  /** PDUs written during this turn of the event loop, sent together as one socket write at its end. */
  private readonly out: CoalescingWriter;
  private readonly responseTimer: ResponseTimer;
  private closeReason: string | undefined;
  /** The peer unbound and has our unbind_resp: the session closes once our requests are answered or timed out. */
  private peerUnbound = false;
  private backlogLogged = false;

  constructor(options: SmppSessionOptions) {
    super();
    this.socket = options.socket;
    this.out = new CoalescingWriter(options.socket, {
      maxUnsentBytes: options.maxUnsentBytes ?? MAX_UNSENT_BYTES,
      onBacklog: (unsentBytes) => this.onBacklog(unsentBytes),
    });
    this.logger = options.logger;
    this.framer = new PduFramer(options.maxPduBytes);
    this.windowSize = options.windowSize;
    this.responseTimeoutMs = options.responseTimeoutMs;
    const isClosed = (): boolean => this.state === "closed";
    this.answers = new InboundAnswers(
      {
        get closed() {
          return isClosed();
        },
        write: (buffer) => this.write(buffer),
        end: (reason) => this.end(reason),
      },
      options.onRequest,
      options.logger,
    );
    this.intake = new FrameIntake(options.socket, (frame) => {
      if (this.closed) return false;
      this.onFrame(frame);
      return true;
    });
    this.clock = options.clock ?? monotonicNow;
    this.lastReceivedAt = this.clock();
    this.responseTimer = new ResponseTimer(this.window, this.clock, this.responseTimeoutMs, (expired) => {
      this.logger.warn({ expired, timeoutMs: this.responseTimeoutMs }, "responses timed out");
      this.emit("timeout", expired);
      this.flushWaiting();
      this.closeOncePeerUnboundSettled();
    });
    this.socket.setNoDelay(true);
    this.socket.on("data", (chunk: Buffer) => this.onData(chunk));
    this.socket.on("drain", () => {
      this.out.blocked = false;
      this.intake.resume("output");
      this.flushWaiting();
      this.emit("drain");
    });
    this.socket.on("error", (error) => this.destroy(`socket error: ${error.message}`));
    this.socket.on("end", () => this.destroy("peer closed the connection"));
    this.socket.on("close", () => this.destroy("socket closed"));
  }

  /** Requests written and not yet answered. */
  get outstanding(): number {
    return this.window.size;
  }

  /** The requests written so far (see request-window.ts's `answeredThrough`). */
  requestMark(): RequestMark {
    return this.window.mark();
  }

  /** Requests accepted by `request` and not yet written (window full or socket not draining). */
  get queued(): number {
    return this.waiting.length;
  }

  /** True when a request made now would be written at once. */
  get canSendNow(): boolean {
    return (
      this.state !== "closed" &&
      !this.out.blocked &&
      this.waiting.length === 0 &&
      this.window.size < this.windowSize
    );
  }

  get closed(): boolean {
    return this.state === "closed";
  }

  get isBound(): boolean {
    return isBoundState(this.state);
  }

  /**
   * The bind we asked for was accepted: the session is bound as `mode`. False, and nothing changes, unless it is still
   * "open" — the peer's unbind can arrive in the same read as its bind_resp and be handled before the bind's
   * continuation runs, or the session closed meanwhile: a bind the peer took back must not be used.
   */
  markBound(mode: BindMode): boolean {
    if (this.state !== "open") return false;
    this.state = boundState(mode);
    return true;
  }

  /**
   * Sends a request and resolves with its response (whatever its command_status: the caller classifies it;
   * a generic_nack for it resolves too). Rejects with NotSentError, ConnectionClosedError or
   * ResponseTimeoutError — transport failures, never fake carrier statuses.
   */
  request(command: string, fields: smpp.PduFields = {}): Promise<DecodedPdu> {
    if (this.state === "closed")
      return Promise.reject(new NotSentError(command, this.closeReason ?? "closed"));
    if (this.peerUnbound) return Promise.reject(new NotSentError(command, PEER_UNBOUND));
    if (!mayRequestIn(this.state, command)) return Promise.reject(new NotBoundError(this.state));
    return new Promise<DecodedPdu>((resolve, reject) => {
      this.waiting.push({ command, fields, resolve, reject });
      this.flushWaiting();
    });
  }

  /**
   * Stops taking requests (state unbinding), lets the answers to the peer's earlier requests go out, asks the peer
   * to unbind and waits for its answer (each bounded by the response timeout), then closes.
   */
  async unbind(): Promise<void> {
    if (this.state === "closed") return;
    try {
      if (this.isBound) {
        this.state = "unbinding";
        // Requests the peer sent before are answered first (a submit being stored still gets its response).
        await this.answers.pending.none(this.responseTimeoutMs);
        await this.request("unbind");
      }
    } catch {
      // The peer may already be gone; closing below is what matters.
    } finally {
      this.destroy("unbound");
    }
  }

  /**
   * Closes after what was written has flushed (FIN), destroying the socket after a short grace in case the peer
   * never closes its side; idempotent. Rejects everything outstanding or waiting, as `destroy` does.
   */
  end(reason: string): void {
    this.teardown(reason, () => {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), FATAL_FLUSH_MS).unref();
    });
  }

  /** Closes the socket; idempotent. Rejects everything outstanding or waiting. */
  destroy(reason: string): void {
    this.teardown(reason, () => this.socket.destroy());
  }

  /**
   * Marks the session closed, settles every request (outstanding: outcome unknown; waiting: never sent),
   * then closes the socket the way `closeSocket` says and emits `close` once.
   */
  private teardown(reason: string, closeSocket: () => void): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.closeReason = reason;
    this.responseTimer.stop();
    this.window.rejectAll((command) => new ConnectionClosedError(command, reason));
    for (const w of this.waiting.splice(0)) w.reject(new NotSentError(w.command, reason));
    this.out.flush();
    closeSocket();
    this.emit("close", reason);
  }

  private nextSequence(): number {
    this.sequence = this.sequence >= MAX_SEQUENCE ? 1 : this.sequence + 1;
    return this.sequence;
  }

  private flushWaiting(): void {
    while (this.waiting.length > 0 && this.window.size < this.windowSize && !this.out.blocked) {
      if (this.state === "closed") return;
      const next = this.waiting.shift()!;
      const sequence = this.nextSequence();
      let buffer: Buffer;
      try {
        buffer = encodePdu(next.command, sequence, next.fields);
      } catch (error) {
        // Bad fields (e.g. an oversize short_message) are the caller's bug, not a transport failure.
        next.reject(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      this.window.add(
        sequence,
        next.command,
        this.clock() + this.responseTimeoutMs,
        next.resolve,
        next.reject,
      );
      this.write(buffer);
      this.responseTimer.arm();
    }
  }

  private write(buffer: Buffer): void {
    if (this.state !== "closed") this.out.write(buffer);
  }

  private onData(chunk: Buffer): void {
    if (this.state === "closed") return;
    let frames: Buffer[];
    try {
      frames = this.framer.push(chunk);
    } catch (error) {
      this.failFraming(error);
      return;
    }
    this.lastReceivedAt = this.clock();
    this.intake.take(frames);
  }

  /**
   * Stops handling the peer's PDUs — the rest of the current read included — and reading its socket, until
   * `resumeReading` (back-pressure: e.g. too many submits being stored).
   */
  pauseReading(): void {
    this.intake.pause("requests");
  }

  resumeReading(): void {
    this.intake.resume("requests");
  }

  /** The peer does not read what we write: stop reading what it sends until the socket drains. */
  private onBacklog(unsentBytes: number): void {
    if (this.state === "closed") return;
    this.intake.pause("output");
    if (this.backlogLogged) return;
    this.backlogLogged = true; // once per session: a peer that keeps doing it must not flood the log
    this.logger.warn({ unsentBytes }, "peer is not reading our answers: not reading its PDUs until it does");
  }

  private failFraming(error: unknown): void {
    const sequence = error instanceof FramingError ? error.sequence : 0;
    const status = error instanceof SmppError ? error.status : SmppStatus.ESME_RINVCMDLEN;
    // Counted and logged by the session's owner when it listens for `refused` (an ESME's: throttled).
    if (!this.emit("refused", "invcmdlen", status)) this.logger.warn({ err: error }, "framing lost: closing");
    this.teardown("framing error", () => {
      // Let the generic_nack flush, but never keep a peer that sends garbage for long.
      this.socket.end(encodeGenericNack(sequence, status));
      setTimeout(() => this.socket.destroy(), FATAL_FLUSH_MS).unref();
    });
  }

  private onFrame(frame: Buffer): void {
    const header = readHeader(frame);
    if ((header.commandId & RESPONSE_BIT) !== 0) {
      this.onResponse(frame, header.sequence);
      return;
    }
    if (header.commandId === CommandId.enquire_link) {
      this.write(encodeHeaderOnlyResponse(header.commandId, header.sequence, 0));
      return;
    }
    if (header.commandId === CommandId.unbind) {
      this.emit("unbind");
      this.state = "unbinding";
      // Nothing of ours goes out after the peer's unbind: what waits to be written never is (safe to send again).
      for (const w of this.waiting.splice(0)) w.reject(new NotSentError(w.command, PEER_UNBOUND));
      // The answers to what the peer asked before its unbind go out first (bounded by the response timeout).
      void this.answers.pending.none(this.responseTimeoutMs).then(() => {
        if (this.state === "closed") return;
        this.write(encodeHeaderOnlyResponse(header.commandId, header.sequence, 0));
        this.out.flush();
        this.peerUnbound = true;
        this.closeOncePeerUnboundSettled();
      });
      return;
    }
    if (commandName(header.commandId) === undefined) {
      if (!this.emit("refused", "invcmdid", SmppStatus.ESME_RINVCMDID))
        this.logger.warn({ commandId: header.commandId }, "unknown command_id: generic_nack");
      this.write(encodeGenericNack(header.sequence, SmppStatus.ESME_RINVCMDID));
      return;
    }
    this.answers.handle(frame, header.commandId, header.sequence);
  }

  /**
   * After the peer's unbind its answers to our outstanding requests may still cross it on the wire: read on until
   * they are in or timed out, then close (an answer on its way is not an unknown outcome, nor can the peer hold the
   * session open by leaving the TCP close to us).
   */
  private closeOncePeerUnboundSettled(): void {
    if (this.peerUnbound && this.window.size === 0) this.end(PEER_UNBOUND);
  }

  private onResponse(frame: Buffer, sequence: number): void {
    let pdu: DecodedPdu;
    try {
      pdu = decodePdu(frame);
    } catch (error) {
      this.window.fail(sequence, error instanceof Error ? error : new Error(String(error)));
      this.flushWaiting();
      this.closeOncePeerUnboundSettled();
      return;
    }
    if (!this.window.settle(pdu)) {
      this.logger.warn({ command: pdu.command, sequence }, "response for no outstanding request: dropped");
      return;
    }
    this.flushWaiting();
    this.closeOncePeerUnboundSettled();
  }
}
