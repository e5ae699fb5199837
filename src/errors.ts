/**
 * Typed errors with stable codes. Every code is listed in README.md ("Error codes") with its meaning and
 * the operator's action. Errors that travel on the wire carry the SMPP command_status they become.
 */

export const ErrorCodes = {
  /** A configuration file failed validation; `problems` lists every `file:line: path: reason`. */
  CONFIG_INVALID: "OTPGW_ERR_CONFIG_INVALID",
  /** An environment variable referenced by `${VAR}` in a config file is not set. */
  CONFIG_ENV_MISSING: "OTPGW_ERR_CONFIG_ENV_MISSING",
  /** A PDU could not be framed (length below 16 or above the maximum): the session cannot resync. */
  SMPP_FRAMING: "OTPGW_ERR_SMPP_FRAMING",
  /** A PDU body could not be decoded or failed validation. */
  SMPP_DECODE: "OTPGW_ERR_SMPP_DECODE",
  /** The peer answered a request with a non-zero command_status. */
  SMPP_STATUS: "OTPGW_ERR_SMPP_STATUS",
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
  /** A text cannot be encoded for SMS (empty, or more parts than a concatenated message allows). */
  ENCODING_INVALID: "OTPGW_ERR_ENCODING_INVALID",
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

/** The peer answered with a non-zero command_status. */
export class SmppStatusError extends SmppError {
  constructor(status: number, command: string) {
    super(
      ErrorCodes.SMPP_STATUS,
      status,
      `${command} refused with command_status 0x${status.toString(16).padStart(2, "0")}`,
    );
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
