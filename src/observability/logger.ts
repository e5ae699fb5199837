import { pino, type Logger, type LoggerOptions, type DestinationStream } from "pino";

export type { Logger };

/**
 * Field names whose values are secrets or message content. Redaction is configured here, once; code that
 * logs a PDU or a message must still log masked values (see mask.ts) rather than rely on this net.
 */
export const REDACTED_PATHS = [
  "password",
  "*.password",
  "text",
  "*.text",
  "short_message",
  "*.short_message",
  "message_payload",
  "*.message_payload",
  "otpCode",
  "*.otpCode",
  "secret",
  "*.secret",
  "apiKey",
  "*.apiKey",
  // Node's ERR_INVALID_URL carries the URL it could not parse, password and all.
  "err.input",
  // ioredis's errors carry the command's arguments: a script's (texts, numbers) or a key (numbers), in clear.
  "err.command",
  "err.cause.command",
  "err.previousErrors",
];

export interface LoggerConfig {
  level: string;
  /** Optional destination (tests pass a stream to capture lines). */
  destination?: DestinationStream;
}

export function createLogger(config: LoggerConfig): Logger {
  const options: LoggerOptions = {
    level: config.level,
    base: { service: "otpgw" },
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return config.destination ? pino(options, config.destination) : pino(options);
}

/** A logger that writes nothing: for library use and tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
