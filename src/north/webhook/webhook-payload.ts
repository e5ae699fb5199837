/** The body of the final-state webhook: what the submitter needs, never the text or the full number. */
import type { Message } from "../../delivery/types.js";
import { isoTime, toAttemptView, type AttemptView } from "../message-view.js";
import { maskMsisdn } from "../../observability/mask.js";

export interface WebhookPayload {
  /** otpgw's message id, as in the 202 answer. */
  id: string;
  state: Message["state"];
  /** The destination, masked. */
  to: string;
  client_ref: string | null;
  final_at: string | null;
  /** Why the message ended as it did, e.g. "delivered by id-telkomsel", "validity ended". */
  reason: string | null;
  attempts: AttemptView[];
}

/** Receivers dedupe on this (`X-Otpgw-Event-Id`): the same for every retry of one message's final webhook. */
export function finalEventId(messageId: string): string {
  return `final:${messageId}`;
}

export function toWebhookPayload(message: Message): WebhookPayload {
  return {
    id: message.id,
    state: message.state,
    to: maskMsisdn(message.to),
    client_ref: message.clientRef ?? null,
    final_at: message.finalAt === undefined ? null : isoTime(message.finalAt),
    reason: message.finalReason ?? null,
    attempts: message.attempts.map(toAttemptView),
  };
}
