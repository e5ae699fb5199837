/**
 * One ESME connection: our session engine (framing, window, enquire_link, unbind, generic_nack for unknown
 * commands) plus the server role's bind state machine OPEN → BOUND_TX/RX/TRX → UNBINDING → CLOSED, its timers
 * (session-init, inactivity) and the per-command rules: only bind before bind (else ESME_RINVBNDSTS), no second
 * bind (ESME_RALYBND), submit_sm and query_sm only on transmitter/transceiver binds (ESME_RINVBNDSTS).
 */
import type { Socket } from "node:net";
import { SmppError } from "../../errors.js";
import type { Logger } from "../../observability/logger.js";
import { SmppStatus, statusName } from "../../smpp/command-status.js";
import { CommandId, NO_RESPONSE_COMMANDS } from "../../smpp/constants.js";
import type { DecodedPdu } from "../../smpp/session/pdu-codec.js";
import { InboundLimit } from "../../smpp/session/inbound-limit.js";
import { SmppSession, type ResponseSpec } from "../../smpp/session/smpp-session.js";
import { boundState } from "../../smpp/session/session-state.js";
import type smpp from "smpp";
import type { Account } from "../accounts/account-types.js";
import { BIND_TYPES, type BindBody, type BindType } from "../../smpp/bind-body.js";
import type { ReceiptCarrier } from "./receipt-queueing.js";
import type { SmppServerOptions } from "./server-options.js";

/** What a session needs from its server. */
export interface SessionHost {
  options: SmppServerOptions;
  logger: Logger;
  /**
   * Monotonic ms (see monotonic-clock.ts) for the session's timers and its engine's answer deadlines: on the wall
   * clock, a step back stalled them (an idle or dead ESME never closed, receipts never timed out) and a step forward
   * expired every deliver_sm outstanding at once and closed talking sessions as inactive.
   */
  monotonicClock: () => number;
  /** Authenticates and registers a bind; resolves with the bind_resp. */
  bind(session: EsmeSession, pdu: DecodedPdu): Promise<ResponseSpec>;
  submit(session: EsmeSession, pdu: DecodedPdu): Promise<ResponseSpec>;
  /** Answers a query_sm (the session is bound, and not as a receiver). */
  query(session: EsmeSession, pdu: DecodedPdu): Promise<ResponseSpec>;
  /** A PDU refused with `status` (counted and logged by the host); `error`: the failure behind an ESME_RSYSERR. */
  refused(session: EsmeSession, reason: string, status: number, command: string, error?: unknown): void;
  closed(session: EsmeSession, reason: string): void;
}

export class EsmeSession implements ReceiptCarrier {
  readonly id: number;
  readonly remoteAddress: string;
  readonly engine: SmppSession;
  readonly logger: Logger;
  account: Account | undefined;
  systemId = "";
  bindType: BindType | undefined;
  /** The ESME's interface_version from its bind; ≤ 0x33 never gets TLVs. */
  interfaceVersion = 0x34;
  /** A bind is being authenticated: further binds are refused, other PDUs wait for its outcome. */
  binding = false;
  /** Submits and queries being answered: at `maxSubmitsInFlight` the session stops reading (back-pressure). */
  private readonly inFlight: InboundLimit;
  private initTimer: NodeJS.Timeout | undefined;
  private inactivityTimer: NodeJS.Timeout | undefined;

  constructor(
    id: number,
    private readonly socket: Socket,
    private readonly host: SessionHost,
    /**
     * When the TCP connection was accepted (the host's monotonic clock): the session-init timer runs from then (a
     * TLS handshake included).
     */
    acceptedAt = host.monotonicClock(),
  ) {
    this.id = id;
    this.remoteAddress = normaliseAddress(socket.remoteAddress ?? "");
    this.logger = host.logger.child({ session: id, peer: this.remoteAddress });
    this.engine = new SmppSession({
      socket,
      logger: this.logger,
      maxPduBytes: host.options.maxPduBytes,
      windowSize: host.options.windowSize,
      responseTimeoutMs: host.options.responseTimeoutMs,
      onRequest: (pdu) => this.onRequest(pdu),
      clock: host.monotonicClock,
    });
    this.inFlight = new InboundLimit(host.options.maxSubmitsInFlight, this.engine);
    this.engine.on("refused", (reason: string, status: number) => host.refused(this, reason, status, "none"));
    this.engine.on("close", (reason: string) => {
      this.clearTimers();
      host.closed(this, reason);
    });
    this.initTimer = setTimeout(
      () => {
        if (this.engine.isBound || this.engine.closed) return;
        this.logger.info({ afterMs: host.options.sessionInitMs }, "no bind in time: closing");
        host.refused(this, "session_init_timeout", 0, "none");
        this.engine.destroy("session-init timer expired");
      },
      Math.max(0, acceptedAt + host.options.sessionInitMs - host.monotonicClock()),
    );
    this.initTimer.unref();
  }

  get isReceiver(): boolean {
    return this.engine.isBound && (this.bindType === "receiver" || this.bindType === "transceiver");
  }

  canTakeReceipt(): boolean {
    return this.isReceiver && this.engine.canSendNow;
  }

  sendReceipt(fields: smpp.PduFields): Promise<number> {
    return this.engine
      .request("deliver_sm", fields)
      .then((response) =>
        response.command === "generic_nack"
          ? response.status || SmppStatus.ESME_RUNKNOWNERR
          : response.status,
      );
  }

  /** Marks the session bound (called by the host once the bind is accepted). */
  markBound(bind: BindBody, account: Account): void {
    this.account = account;
    this.systemId = bind.systemId;
    this.bindType = bind.type;
    this.interfaceVersion = bind.interfaceVersion;
    this.engine.state = boundState(bind.type);
    if (this.initTimer) clearTimeout(this.initTimer);
    this.initTimer = undefined;
    this.armInactivity();
  }

  /** Closes with an unbind (bounded by the response timeout), e.g. on server shutdown. */
  async unbind(): Promise<void> {
    await this.engine.unbind();
  }

  destroy(reason: string): void {
    this.engine.destroy(reason);
  }

  private armInactivity(): void {
    const { inactivityMs } = this.host.options;
    const due = this.engine.lastReceivedAt + inactivityMs - this.host.monotonicClock();
    this.inactivityTimer = setTimeout(
      () => {
        this.inactivityTimer = undefined;
        if (this.engine.closed) return;
        if (this.host.monotonicClock() - this.engine.lastReceivedAt >= inactivityMs) {
          this.logger.info({ inactivityMs }, "no PDU from the ESME: unbinding");
          void this.engine.unbind();
          return;
        }
        this.armInactivity();
      },
      Math.max(0, due),
    );
    this.inactivityTimer.unref();
  }

  private clearTimers(): void {
    if (this.initTimer) clearTimeout(this.initTimer);
    if (this.inactivityTimer) clearTimeout(this.inactivityTimer);
    this.initTimer = this.inactivityTimer = undefined;
  }

  /**
   * A handler's failure becomes its refusal, logged (throttled, by the host) and counted: an SmppError with its
   * status, anything else (Redis unreachable, a bug) as ESME_RSYSERR with the error's message.
   */
  private refuseOnSmppError(error: unknown, pdu: DecodedPdu): ResponseSpec {
    if (error instanceof SmppError) return this.refuse(refusalReason(error.status), error.status, pdu);
    return this.refuse("syserr", SmppStatus.ESME_RSYSERR, pdu, undefined, error);
  }

  private refuse(
    reason: string,
    status: number,
    pdu: DecodedPdu,
    closeAfter?: string,
    error?: unknown,
  ): ResponseSpec {
    this.host.refused(this, reason, status, pdu.command, error);
    return closeAfter === undefined ? { status } : { status, closeAfter };
  }

  private onRequest(pdu: DecodedPdu): ResponseSpec | Promise<ResponseSpec> {
    if (BIND_TYPES.has(pdu.commandId)) {
      if (this.binding || this.engine.isBound)
        return this.refuse("already_bound", SmppStatus.ESME_RALYBND, pdu);
      return this.host.bind(this, pdu);
    }
    if (NO_RESPONSE_COMMANDS.has(pdu.commandId)) {
      this.host.refused(this, "unsupported_command", 0, pdu.command);
      return { noResponse: true };
    }
    if (!this.engine.isBound) return this.refuse("not_bound", SmppStatus.ESME_RINVBNDSTS, pdu);
    if (pdu.commandId === CommandId.query_sm) {
      if (this.bindType === "receiver")
        return this.refuse("query_on_receiver", SmppStatus.ESME_RINVBNDSTS, pdu);
      return this.inFlight.track(
        this.host.query(this, pdu).catch((error: unknown) => this.refuseOnSmppError(error, pdu)),
      );
    }
    if (pdu.commandId !== CommandId.submit_sm) {
      return this.refuse("unsupported_command", SmppStatus.ESME_RINVCMDID, pdu);
    }
    if (this.bindType === "receiver")
      return this.refuse("submit_on_receiver", SmppStatus.ESME_RINVBNDSTS, pdu);
    return this.submit(pdu);
  }

  /** Chained with `.then`, not awaited (see MessageStore): a submit waiting for Redis keeps no frame here. */
  private submit(pdu: DecodedPdu): Promise<ResponseSpec> {
    let answer: Promise<ResponseSpec>;
    try {
      answer = this.host.submit(this, pdu);
    } catch (error) {
      answer = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    // Back-pressure: past the limit, reading stops until persisting catches up, rather than queue without bound.
    return this.inFlight.track(answer.catch((error: unknown) => this.refuseOnSmppError(error, pdu)));
  }
}

/** A metric label for a refused submit: the status name without the ESME_R prefix, lower-cased. */
function refusalReason(status: number): string {
  return statusName(status)
    .replace(/^ESME_R/, "")
    .toLowerCase();
}

/** IPv4-mapped IPv6 (`::ffff:1.2.3.4`) as plain IPv4, so allow-lists written as IPv4 match. */
export function normaliseAddress(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}
