/**
 * The contract between escalation (queue, worker, status webhooks) and the channel providers it sends through:
 * WhatsApp (the Cloud API's authentication templates) and voice (a call reading the code out). See DESIGN.md,
 * "the next channel (WhatsApp, then voice) through escalation".
 */

/** The channels an OTP escalates to after SMS, in the order routes.yaml may name them. */
export const channelIds = ["whatsapp", "voice"] as const;
export type ChannelId = (typeof channelIds)[number];

/** What one escalation attempt sends: the code alone (never the SMS text), to one handset. */
export interface ChannelSendRequest {
  /** otpgw's message id: the provider's reference (echoed in status callbacks where the provider allows). */
  messageId: string;
  /** E.164 with "+". */
  to: string;
  /** The OTP code extracted from the message text by the account's pattern. A secret: never logged. */
  code: string;
  /**
   * The most the exchange may take, when less than the provider's own request timeout: the attempt's not-after
   * time. A send still unanswered then is given up, so it cannot be accepted after the next channel started.
   */
  timeoutMs?: number;
}

/** How a provider answered a send. */
export type ChannelSendResult =
  /** Taken: its final status arrives later as a status callback carrying `providerMessageId`. */
  | { kind: "accepted"; providerMessageId: string }
  /** Refused for good (invalid number, template rejected, bad credentials): the attempt fails; `error` names why. */
  | { kind: "refused"; error: string }
  /**
   * Not taken this time (HTTP 429, 5xx, timeout, connection refused): may be tried again while time is left.
   * `maybeTaken`: no answer came, so the provider may have taken it all the same — escalation then waits for its
   * status instead of sending it again.
   */
  | { kind: "retry"; error: string; retryAfterMs?: number; maybeTaken?: true };

export interface ChannelProvider {
  readonly channel: ChannelId;
  /** Never rejects: every failure is a `refused` or `retry` result. */
  send(request: ChannelSendRequest): Promise<ChannelSendResult>;
}

/** One status a provider reported for a message it accepted, in the terms of an SMS receipt. */
export interface ChannelStatus {
  providerMessageId: string;
  /**
   * The handset the status is about (digits, no "+"), when the provider says: finds the attempt by its number when
   * the status overtook the recording of the provider's id (another instance, a slow Redis).
   */
  recipient?: string;
  /**
   * otpgw's message id, when the provider echoes the one it was sent with (voice's `reference`): a status that must
   * be matched without its provider id goes to that message's attempt, never by the handset to another's.
   */
  reference?: string;
  /** DELIVRD (WhatsApp delivered or read; a call answered and the code played), UNDELIV, or ENROUTE (not final). */
  stat: "DELIVRD" | "UNDELIV" | "ENROUTE";
  delivered: boolean;
  final: boolean;
  /** The provider's error code or call result for a failure, e.g. "131026", "no-answer". */
  err?: string;
}

/** Reading a provider's status callbacks (an HTTP POST to otpgw). */
export interface StatusCallbacks {
  readonly channel: ChannelId;
  /** Whether the request is the provider's: its signature over the exact raw body with the shared secret. */
  verify(rawBody: Buffer, headers: Readonly<Record<string, string | string[] | undefined>>): boolean;
  /** The statuses in a verified body; throws an Error with a clear message when the body is not the provider's format. */
  parse(body: unknown): ChannelStatus[];
}
