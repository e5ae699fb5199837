/**
 * Voice: a call that reads the code out, digit by digit. This is otpgw's voice provider interface, a small JSON
 * API of its own rather than one vendor's: a real provider (Twilio, Vonage, Sinch, …) is reached through an adapter
 * that speaks this on one side and the vendor's API on the other. See docs/channels.md for the format.
 */
import * as z from "zod";
import type { ChannelSendRequest, ChannelStatus, StatusCallbacks } from "../channel-types.js";
import {
  JsonChannelProvider,
  readCallbackBody,
  signedStatusCallbacks,
  statusReader,
  withRecipient,
  type AnswerReading,
} from "./provider-http.js";

/** The provider signs each status callback with the callback secret: `sha256=<hex HMAC-SHA256 of the raw body>`. */
export const voiceSignatureHeader = "x-signature";

/** What the voice client needs (the `channels.voice` block of otpgw.yaml, minus escalation's timing). */
export interface VoiceApiOptions {
  /** Where calls are placed (`POST`). */
  apiUrl: string;
  /** Sent as `Authorization: Bearer`. */
  apiKey: string;
  /** Verifies the provider's status callbacks. */
  callbackSecret: string;
  /** Where the provider POSTs the call's statuses: otpgw's `/v1/channels/voice/status`. */
  callbackUrl: string;
  /** The language the digits are read in, e.g. `en`. */
  language: string;
  /** How many times the code is read out in one call. */
  repeat: number;
  requestTimeoutMs: number;
}

const voiceAnswers: AnswerReading = {
  channel: "voice",
  acceptedId: (body) => z.object({ call_id: z.string().min(1) }).safeParse(body).data?.call_id,
};

/** The call request for `request`: the code as digits only, with otpgw's message id as the reference. */
export function voiceCallBody(options: VoiceApiOptions, request: ChannelSendRequest): object {
  return {
    to: request.to,
    digits: request.code,
    language: options.language,
    repeat: options.repeat,
    callback_url: options.callbackUrl,
    reference: request.messageId,
  };
}

/** Places calls that read OTP codes out. */
export function createVoiceProvider(options: VoiceApiOptions): JsonChannelProvider {
  return new JsonChannelProvider({
    ...voiceAnswers,
    url: options.apiUrl,
    bearer: options.apiKey,
    timeoutMs: options.requestTimeoutMs,
    body: (request) => voiceCallBody(options, request),
  });
}

/**
 * Call states in the terms of a receipt: a call picked up and played to the end is delivered; one that never got
 * through is not, with the state as the error so the message's history says why.
 */
const voiceStatus = statusReader({
  enroute: ["ringing", "in-progress"],
  delivered: ["completed"],
  undelivered: ["busy", "no-answer", "failed", "canceled"],
});

const callStatus = z.object({
  call_id: z.string().min(1),
  status: z.string().min(1),
  reference: z.string().optional(),
  /** The number called, E.164. */
  to: z.string().optional(),
});

/** Reads the status callbacks the voice provider POSTs to `/v1/channels/voice/status`. */
export function createVoiceStatusCallbacks(callbackSecret: string): StatusCallbacks {
  return signedStatusCallbacks({
    channel: "voice",
    header: voiceSignatureHeader,
    secret: callbackSecret,
    parse: parseVoiceStatuses,
  });
}

/**
 * One status per callback; a state the table does not list (`queued`, `initiated`, …) is ignored. The call's
 * `reference` (otpgw's message id, sent with the call) is kept: it names the message a status is about when its
 * call id is not recorded yet, where the number called could be another message's.
 */
export function parseVoiceStatuses(body: unknown): ChannelStatus[] {
  const call = readCallbackBody(callStatus, body, "a voice call status");
  const status = voiceStatus(call.status, call.call_id, call.status);
  if (status === undefined) return [];
  const read = withRecipient(status, call.to);
  return [
    call.reference === undefined || call.reference === "" ? read : { ...read, reference: call.reference },
  ];
}
