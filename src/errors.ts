/**
 * Typed errors with stable codes. Every code is listed in README.md ("Error codes") with its meaning and
 * the operator's action. Errors that travel on the wire carry the SMPP command_status they become.
 */

export const ErrorCodes = {
  /** A configuration file failed validation; `problems` lists every `file:line: path: reason`. */
  CONFIG_INVALID: "OTPGW_ERR_CONFIG_INVALID",
  /** A PDU could not be framed (length below 16 or above the maximum): the session cannot resync. */
  SMPP_FRAMING: "OTPGW_ERR_SMPP_FRAMING",
  /** A PDU body could not be decoded or failed validation. */
  SMPP_DECODE: "OTPGW_ERR_SMPP_DECODE",
  /** No response arrived within the response timeout. */
  SMPP_RESPONSE_TIMEOUT: "OTPGW_ERR_SMPP_RESPONSE_TIMEOUT",
  /** The session closed while the request was outstanding: the outcome is unknown. */
  SMPP_CONNECTION_CLOSED: "OTPGW_ERR_SMPP_CONNECTION_CLOSED",
  /** The session closed before the request was written: it never reached the peer and is safe to resend. */
  SMPP_NOT_SENT: "OTPGW_ERR_SMPP_NOT_SENT",
  /** A request was made on a session that is not bound (or is closing). */
  SMPP_NOT_BOUND: "OTPGW_ERR_SMPP_NOT_BOUND",
  /** The carrier refused our bind (wrong system_id or password, bind limit, ...). */
  CARRIER_BIND_REFUSED: "OTPGW_ERR_CARRIER_BIND_REFUSED",
  /** A submit was refused because the carrier's queue is full (back-pressure: answer throttled / 503). */
  CARRIER_SATURATED: "OTPGW_ERR_CARRIER_SATURATED",
  /** A submit was refused because the carrier pool is closing. */
  CARRIER_CLOSED: "OTPGW_ERR_CARRIER_CLOSED",
  /** Delivery is shutting down: the message was not accepted. */
  DELIVERY_CLOSED: "OTPGW_ERR_DELIVERY_CLOSED",
  /** Redis is set up so that an acknowledged message could be lost or every write refused (eviction policy,
   * replica, Cluster, too old): start-up stops; fix the Redis setting named in the message. */
  REDIS_UNSUITABLE: "OTPGW_ERR_REDIS_UNSUITABLE",
  /** The message store (Redis) failed or returned something inconsistent. */
  DELIVERY_STORE: "OTPGW_ERR_DELIVERY_STORE",
  /** Carriers cannot keep up: back-pressure (HTTP 503, ESME_RMSGQFUL). */
  DELIVERY_SATURATED: "OTPGW_ERR_DELIVERY_SATURATED",
  /** The account is over its rate_per_second (HTTP 429, ESME_RTHROTTLED); nothing was stored. */
  DELIVERY_RATE_LIMITED: "OTPGW_ERR_DELIVERY_RATE_LIMITED",
  /**
   * An anti-abuse volume limit of the account (messages to one number, or one range of numbers, in a window) is
   * reached (HTTP 429, ESME_RSUBMITFAIL); nothing was stored.
   */
  DELIVERY_VOLUME_LIMITED: "OTPGW_ERR_DELIVERY_VOLUME_LIMITED",
  /** A text cannot be encoded for SMS (empty, or more parts than a concatenated message allows). */
  ENCODING_INVALID: "OTPGW_ERR_ENCODING_INVALID",
  /** HTTP API: the API key is missing or unknown (401). */
  HTTP_UNAUTHORIZED: "OTPGW_ERR_HTTP_UNAUTHORIZED",
  /** HTTP API: the body is not valid JSON, or is empty (400). */
  HTTP_MALFORMED_JSON: "OTPGW_ERR_HTTP_MALFORMED_JSON",
  /** HTTP API: the JSON body has a missing field, a field of the wrong type or an unknown field (400). */
  HTTP_INVALID_BODY: "OTPGW_ERR_HTTP_INVALID_BODY",
  /** HTTP API: the Idempotency-Key header is empty, longer than 128 characters or not printable ASCII (400). */
  HTTP_INVALID_IDEMPOTENCY_KEY: "OTPGW_ERR_HTTP_INVALID_IDEMPOTENCY_KEY",
  /** HTTP API: any other malformed request, e.g. a body shorter than its Content-Length (400). */
  HTTP_BAD_REQUEST: "OTPGW_ERR_HTTP_BAD_REQUEST",
  /** HTTP API: the body is larger than the API accepts (413). */
  HTTP_BODY_TOO_LARGE: "OTPGW_ERR_HTTP_BODY_TOO_LARGE",
  /** HTTP API: the body is not `application/json` (415). */
  HTTP_UNSUPPORTED_MEDIA_TYPE: "OTPGW_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE",
  /** HTTP API: `to` is not a valid E.164 mobile number (422). */
  HTTP_INVALID_NUMBER: "OTPGW_ERR_HTTP_INVALID_NUMBER",
  /** HTTP API: no route in routes.yaml takes the destination's country or prefix (422). */
  HTTP_NO_ROUTE: "OTPGW_ERR_HTTP_NO_ROUTE",
  /** HTTP API: the account's `countries` (anti-abuse) do not include the destination's (422). */
  HTTP_COUNTRY_NOT_ALLOWED: "OTPGW_ERR_HTTP_COUNTRY_NOT_ALLOWED",
  /** HTTP API: an operator blocked the range the destination is in (`otpgw ranges block`; 422). */
  HTTP_RANGE_BLOCKED: "OTPGW_ERR_HTTP_RANGE_BLOCKED",
  /** HTTP API: `text` is empty or only white space (422). */
  HTTP_TEXT_EMPTY: "OTPGW_ERR_HTTP_TEXT_EMPTY",
  /** HTTP API: `text` needs more than 10 SMS parts or exceeds the account's max_text_length (422). */
  HTTP_TEXT_TOO_LONG: "OTPGW_ERR_HTTP_TEXT_TOO_LONG",
  /** HTTP API: `from` is not one of the account's senders, or is not a valid sender id (422). */
  HTTP_SENDER_NOT_ALLOWED: "OTPGW_ERR_HTTP_SENDER_NOT_ALLOWED",
  /** HTTP API: `validity_seconds` is outside 1..the account's or route's maximum (422). */
  HTTP_VALIDITY_OUT_OF_RANGE: "OTPGW_ERR_HTTP_VALIDITY_OUT_OF_RANGE",
  /** HTTP API: `callback_url` is not an absolute http(s) URL (422). */
  HTTP_INVALID_CALLBACK_URL: "OTPGW_ERR_HTTP_INVALID_CALLBACK_URL",
  /** HTTP API: an operator suspended the account (`otpgw accounts suspend`): no submit is accepted (403). */
  HTTP_ACCOUNT_SUSPENDED: "OTPGW_ERR_HTTP_ACCOUNT_SUSPENDED",
  /** HTTP API: a conversion report from an account without `reports_conversions: true` (403). */
  HTTP_CONVERSIONS_OFF: "OTPGW_ERR_HTTP_CONVERSIONS_OFF",
  /** HTTP API: no such message for this account, or no such path (404). */
  HTTP_NOT_FOUND: "OTPGW_ERR_HTTP_NOT_FOUND",
  /** HTTP API: the account is over its rate_per_second (429 with Retry-After). */
  HTTP_RATE_LIMITED: "OTPGW_ERR_HTTP_RATE_LIMITED",
  /**
   * HTTP API: an anti-abuse volume limit of the account (messages to one number, or one range of numbers, in a
   * window) is reached (429, with Retry-After).
   */
  HTTP_VOLUME_LIMITED: "OTPGW_ERR_HTTP_VOLUME_LIMITED",
  /** HTTP API: the carriers for the destination are saturated: back-pressure (503 with Retry-After). */
  HTTP_SATURATED: "OTPGW_ERR_HTTP_SATURATED",
  /** A channel provider's status callback without a valid signature (401): not the provider's, or a wrong secret. */
  CHANNEL_SIGNATURE: "OTPGW_ERR_CHANNEL_SIGNATURE",
  /** HTTP API: Redis is unreachable, nothing was accepted (503 with Retry-After). */
  HTTP_UNAVAILABLE: "OTPGW_ERR_HTTP_UNAVAILABLE",
  /** HTTP API: an unexpected failure; whether the message was accepted is unknown, retry with the same Idempotency-Key (500). */
  HTTP_INTERNAL: "OTPGW_ERR_HTTP_INTERNAL",
  /** A webhook receiver did not answer 2xx in time; the webhook is retried with backoff. */
  WEBHOOK_NOT_ACKNOWLEDGED: "OTPGW_ERR_WEBHOOK_NOT_ACKNOWLEDGED",
  /** A webhook was never acknowledged before the message's retention ended (or the message is gone): given up. */
  WEBHOOK_GAVE_UP: "OTPGW_ERR_WEBHOOK_GAVE_UP",
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class OtpgwError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An SMPP-level failure that maps to a command_status on the wire. `fatal` means: close the session. */
export class SmppError extends OtpgwError {
  readonly status: number;
  readonly fatal: boolean;
  constructor(
    code: ErrorCode,
    status: number,
    message: string,
    options?: { fatal?: boolean; cause?: unknown },
  ) {
    super(code, message, options);
    this.status = status;
    this.fatal = options?.fatal ?? false;
  }
}

/** No response within the deadline: the request may or may not have been processed by the peer. */
export class ResponseTimeoutError extends OtpgwError {
  constructor(command: string, timeoutMs: number) {
    super(ErrorCodes.SMPP_RESPONSE_TIMEOUT, `no ${command}_resp within ${timeoutMs} ms`);
  }
}

/** The session closed with the request outstanding: its outcome is unknown. */
export class ConnectionClosedError extends OtpgwError {
  constructor(command: string, reason: string) {
    super(ErrorCodes.SMPP_CONNECTION_CLOSED, `session closed with ${command} outstanding (${reason})`);
  }
}

/** The session closed before the request was written: the peer never saw it, so it can be sent again. */
export class NotSentError extends OtpgwError {
  constructor(command: string, reason: string) {
    super(ErrorCodes.SMPP_NOT_SENT, `${command} not sent: ${reason}`);
  }
}

export class NotBoundError extends OtpgwError {
  constructor(state: string) {
    super(ErrorCodes.SMPP_NOT_BOUND, `session is not bound (state ${state})`);
  }
}

/** Every problem found in a set of configuration files, each as `file:line: path: reason`. */
export class ConfigError extends OtpgwError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(ErrorCodes.CONFIG_INVALID, `invalid configuration:\n  ${problems.join("\n  ")}`);
    this.problems = problems;
  }
}
