/**
 * The session's options, states and shared constants (smpp-session.ts is the engine; re-exported there).
 */
import type { Socket } from "node:net";
import type smpp from "smpp";
import type { Logger } from "../../observability/logger.js";
import type { RequestHandler } from "./inbound-answers.js";
import type { DecodedPdu } from "./pdu-codec.js";
import type { Clock } from "./request-window.js";

/** The close reason of a session the peer unbound (after our unbind_resp). */
export const PEER_UNBOUND = "unbound by the peer";
/**
 * Default bound on our unsent output (socket.writableLength) before we stop reading the peer's PDUs until it
 * drains: far above any normal traffic (a full window of receipts is a few KB), and it stops a peer that floods
 * requests without reading the answers from growing our memory without limit.
 */
export const MAX_UNSENT_BYTES = 1024 * 1024;

export type SessionState = "open" | "bound_tx" | "bound_rx" | "bound_trx" | "unbinding" | "closed";

export interface SmppSessionOptions {
  socket: Socket;
  logger: Logger;
  /** Largest command_length accepted; larger means framing is lost. */
  maxPduBytes: number;
  /** Most requests of ours outstanding at once. */
  windowSize: number;
  /** Time allowed for the peer's response to each request. */
  responseTimeoutMs: number;
  /** Unsent output beyond which the peer's PDUs are not read until the socket drains. Default MAX_UNSENT_BYTES. */
  maxUnsentBytes?: number;
  onRequest: RequestHandler;
  /**
   * Monotonic ms for the response deadlines and `lastReceivedAt` (default performance.now, see monotonic-clock.ts):
   * durations only. On the wall clock, a step forward would time out every request outstanding at once.
   */
  clock?: Clock;
}

/** A request accepted by the session and not yet written (its window full, or the socket not draining). */
export interface WaitingRequest {
  command: string;
  fields: smpp.PduFields;
  resolve: (pdu: DecodedPdu) => void;
  reject: (error: Error) => void;
}
