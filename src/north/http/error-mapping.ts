/**
 * Turns whatever a request raised into the API's error: ours pass through; Fastify's parsing and validation
 * errors get our codes and plain reasons; delivery's back-pressure becomes 503; anything else is a 500.
 */
import type { FastifyError, FastifySchemaValidationError } from "fastify";
import { ErrorCodes, OtpgwError } from "../../errors.js";
import { RateLimitedError, VolumeLimitedError } from "../../delivery/create-limits.js";
import { HttpApiError } from "./http-api-error.js";

export function toHttpApiError(
  error: unknown,
  options: { saturatedRetryAfterSeconds: number },
): HttpApiError {
  if (error instanceof HttpApiError) return error;
  if (error instanceof OtpgwError) {
    if (error.code === ErrorCodes.DELIVERY_SATURATED) {
      return new HttpApiError(
        503,
        ErrorCodes.HTTP_SATURATED,
        "the carriers for this destination are saturated; retry later",
        { retryAfterSeconds: options.saturatedRetryAfterSeconds },
      );
    }
    if (error instanceof VolumeLimitedError) {
      return new HttpApiError(429, ErrorCodes.HTTP_VOLUME_LIMITED, error.message, {
        retryAfterSeconds: wholeSeconds(error.retryAfterMs),
      });
    }
    if (error instanceof RateLimitedError) {
      return new HttpApiError(
        429,
        ErrorCodes.HTTP_RATE_LIMITED,
        `over this account's rate of ${error.perSecond} messages per second`,
        { retryAfterSeconds: wholeSeconds(error.retryAfterMs) },
      );
    }
    if (error.code === ErrorCodes.DELIVERY_STORE) {
      // Nothing was acknowledged: the client retries (with the same Idempotency-Key) once Redis is back.
      return new HttpApiError(503, ErrorCodes.HTTP_UNAVAILABLE, "the message store is unavailable; retry", {
        retryAfterSeconds: 1,
      });
    }
    if (error.code === ErrorCodes.DELIVERY_CLOSED) {
      return new HttpApiError(503, ErrorCodes.HTTP_UNAVAILABLE, "otpgw is shutting down; retry", {
        retryAfterSeconds: 1,
      });
    }
  }
  const fastifyError = error as Partial<FastifyError> | null;
  if (fastifyError?.validation !== undefined) {
    return validationError(fastifyError.validation, fastifyError.validationContext);
  }
  switch (fastifyError?.code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new HttpApiError(400, ErrorCodes.HTTP_MALFORMED_JSON, "the body is not valid JSON");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new HttpApiError(400, ErrorCodes.HTTP_MALFORMED_JSON, "the body is empty");
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new HttpApiError(413, ErrorCodes.HTTP_BODY_TOO_LARGE, "the body is too large");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new HttpApiError(
        415,
        ErrorCodes.HTTP_UNSUPPORTED_MEDIA_TYPE,
        "the body must be JSON with Content-Type: application/json",
      );
  }
  const status = fastifyError?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return new HttpApiError(status, ErrorCodes.HTTP_BAD_REQUEST, "malformed request");
  }
  return new HttpApiError(
    500,
    ErrorCodes.HTTP_INTERNAL,
    "internal error; the outcome is unknown: retry with the same Idempotency-Key",
    { cause: error },
  );
}

function validationError(
  issues: readonly FastifySchemaValidationError[],
  context: string | undefined,
): HttpApiError {
  const issue = issues[0];
  if (context === "headers") {
    return new HttpApiError(
      400,
      ErrorCodes.HTTP_INVALID_IDEMPOTENCY_KEY,
      "Idempotency-Key must be 1 to 128 printable ASCII characters",
      { field: "Idempotency-Key" },
    );
  }
  if (context !== "body" || issue === undefined) {
    return new HttpApiError(400, ErrorCodes.HTTP_BAD_REQUEST, "malformed request");
  }
  const { field, reason } = describeIssue(issue);
  return new HttpApiError(
    400,
    ErrorCodes.HTTP_INVALID_BODY,
    field === undefined ? reason : `${field}: ${reason}`,
    field === undefined ? {} : { field },
  );
}

const typeNames: Record<string, string> = {
  string: "a string",
  integer: "a whole number",
  number: "a number",
  object: "a JSON object",
};

/** A plain reason for one JSON Schema issue, and the top-level field it concerns. */
function describeIssue(issue: FastifySchemaValidationError): { field?: string; reason: string } {
  const params = issue.params;
  const pathField = issue.instancePath.replace(/^\//, "").split("/")[0] || undefined;
  switch (issue.keyword) {
    case "required":
      return { field: String(params.missingProperty), reason: "is required" };
    case "additionalProperties":
      return { field: String(params.additionalProperty), reason: "is not a field of this request" };
    case "type": {
      const expected = typeNames[String(params.type)] ?? String(params.type);
      return pathField === undefined
        ? { reason: `the body must be ${expected}` }
        : { field: pathField, reason: `must be ${expected}` };
    }
    case "maxLength":
      return { field: pathField, reason: `must be at most ${String(params.limit)} characters long` };
    default:
      return { field: pathField, reason: issue.message ?? "is invalid" };
  }
}

/** A wait in ms as `Retry-After` seconds: rounded up, at least 1. */
function wholeSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
