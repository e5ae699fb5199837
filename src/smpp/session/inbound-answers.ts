/**
 * Answers the peer's requests (other than enquire_link, unbind and unknown commands, which the session answers
 * itself): decodes each, runs the handler, and writes its response, or an error response when the body or the
 * handler fails — never an uncaught exception. A request that has no response (outbind, alert_notification) is
 * never answered, whatever its body or the handler says: a failure is logged and the PDU dropped. Answers still
 * being worked out are counted, so an unbind can let them out first.
 */
import type smpp from "smpp";
import { SmppError } from "../../errors.js";
import type { Logger } from "../../observability/logger.js";
import { SmppStatus } from "../command-status.js";
import { NO_RESPONSE_COMMANDS } from "../constants.js";
import { decodePdu, encodeHeaderOnlyResponse, encodePdu, type DecodedPdu } from "./pdu-codec.js";
import { PendingCount } from "./pending-count.js";

/** What an inbound request handler answers: a status (0 = OK) and the response's body fields. */
export interface ResponseSpec {
  status?: number;
  fields?: smpp.PduFields;
  /** Write nothing (for requests that have no response, e.g. outbind, alert_notification). */
  noResponse?: boolean;
  /** After writing the response, close the session gracefully (the response flushes first) with this reason. */
  closeAfter?: string;
}

/** Handles inbound requests other than enquire_link, unbind and unknown commands (answered by the session). */
export type RequestHandler = (pdu: DecodedPdu) => ResponseSpec | Promise<ResponseSpec>;

/** The session as the answers see it. */
export interface AnswerSink {
  readonly closed: boolean;
  write(buffer: Buffer): void;
  end(reason: string): void;
}

export class InboundAnswers {
  /** The peer's requests whose answer is still being worked out (an unbind waits for them). */
  readonly pending = new PendingCount();

  constructor(
    private readonly sink: AnswerSink,
    private readonly onRequest: RequestHandler,
    private readonly logger: Logger,
  ) {}

  handle(frame: Buffer, commandId: number, sequence: number): void {
    // Known from the header, before the body is decoded: a malformed outbind gets no made-up response either.
    const hasResponse = !NO_RESPONSE_COMMANDS.has(commandId);
    const answer = (status: number, fields?: smpp.PduFields, command?: string): void => {
      if (this.sink.closed) return;
      if (!hasResponse) {
        this.logger.warn({ commandId, sequence, status }, "request that has no response refused: dropped");
        return;
      }
      if (status !== 0 || !command) {
        this.sink.write(encodeHeaderOnlyResponse(commandId, sequence, status));
        return;
      }
      try {
        this.sink.write(encodePdu(`${command}_resp`, sequence, fields));
      } catch (error) {
        this.logger.error({ err: error, command }, "cannot encode response");
        this.sink.write(encodeHeaderOnlyResponse(commandId, sequence, SmppStatus.ESME_RSYSERR));
      }
    };
    let counted = false; // an asynchronous answer, counted in `pending` until written
    const fail = (error: unknown): void => {
      const status = error instanceof SmppError ? error.status : SmppStatus.ESME_RSYSERR;
      if (!(error instanceof SmppError)) this.logger.error({ err: error }, "request handler failed");
      answer(status);
      if (counted) this.pending.done();
    };
    let pdu: DecodedPdu;
    try {
      pdu = decodePdu(frame);
    } catch (error) {
      fail(error);
      return;
    }
    const respond = (spec: ResponseSpec): void => {
      if (!spec.noResponse) answer(spec.status ?? 0, spec.fields, pdu.command);
      if (spec.closeAfter !== undefined) this.sink.end(spec.closeAfter);
      if (counted) this.pending.done();
    };
    try {
      const result = this.onRequest(pdu);
      if (result instanceof Promise) {
        counted = true;
        this.pending.add();
        result.then(respond, fail);
      } else {
        respond(result);
      }
    } catch (error) {
      fail(error);
    }
  }
}
