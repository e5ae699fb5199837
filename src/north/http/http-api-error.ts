/**
 * Errors the HTTP API answers with. Each carries its status and stable code; the body is always
 * `{ error: { code, message, field? } }` (docs/http-api.md lists every code).
 */
import { ErrorCodes, OtpgwError, type ErrorCode } from "../../errors.js";

export class HttpApiError extends OtpgwError {
  readonly status: number;
  /** The request field at fault (`to`, `text`, `Idempotency-Key`, ...), when there is one. */
  readonly field: string | undefined;
  /** Sent as `Retry-After` (seconds) with 429 and 503. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: number,
    code: ErrorCode,
    message: string,
    options: { field?: string; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.status = status;
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string };
}

export function errorBody(error: HttpApiError): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.field !== undefined && { field: error.field }),
    },
  };
}

/** A 422 for a field whose value is well-typed but not acceptable. */
export function unprocessable(code: ErrorCode, field: string, message: string): HttpApiError {
  return new HttpApiError(422, code, message, { field });
}

export const unauthorized = (): HttpApiError =>
  new HttpApiError(
    401,
    ErrorCodes.HTTP_UNAUTHORIZED,
    "missing or unknown API key: send it as `Authorization: Bearer <key>` or `X-Api-Key: <key>`",
  );

export const notFound = (what: string): HttpApiError =>
  new HttpApiError(404, ErrorCodes.HTTP_NOT_FOUND, `${what} not found`);
