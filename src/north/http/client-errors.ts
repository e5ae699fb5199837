/**
 * Requests Node's HTTP parser refuses before Fastify routes them (broken framing, a bad Content-Length, a body
 * shorter than it, headers over 16 KiB, a request not received in time): answered in the API's error format
 * (docs/http-api.md) instead of Fastify's own, and counted under route "unparsed". The connection is closed after
 * the answer: what follows on it cannot be framed.
 */
import type { Socket } from "node:net";
import { ErrorCodes } from "../../errors.js";
import type { Metrics } from "../../observability/metrics.js";

type Counted = Pick<Metrics, "httpRequests">;
import { errorBody, HttpApiError } from "./http-api-error.js";

const REFUSALS: Record<string, [status: number, reason: string, message: string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    "Request Header Fields Too Large",
    "the request's headers are larger than 16 KiB",
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "Request Timeout", "the request was not received in time"],
};
const MALFORMED: [number, string, string] = [
  400,
  "Bad Request",
  "the request is not valid HTTP/1.1 (its framing, a header, or a body shorter than its Content-Length)",
];

export function clientErrorHandler(metrics: Counted | undefined) {
  return (error: Error & { code?: string }, socket: Socket): void => {
    if (error.code === "ECONNRESET" || socket.destroyed) return;
    const [status, reason, message] = REFUSALS[error.code ?? ""] ?? MALFORMED;
    const code = ErrorCodes.HTTP_BAD_REQUEST;
    metrics?.httpRequests.inc({ route: "unparsed", status: String(status), code });
    // A response already under way on this connection (its headers sent) cannot be followed by another.
    const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
    if (!socket.writable || current?.headersSent === true) return void socket.destroy();
    const body = JSON.stringify(errorBody(new HttpApiError(status, code, message)));
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
}
