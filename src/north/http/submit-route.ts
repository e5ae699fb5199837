/**
 * POST /v1/messages. Checks run in the documented order — 401 (onRequest) → 400 (parsing and schema) →
 * 422 (checkSubmit) → 429 (account rate) → 503 (carriers saturated) — and the answer is sent only after
 * delivery has persisted the message. Idempotency lives in delivery, atomically in Redis: this layer only
 * passes the key on, so concurrent retries cannot create two messages.
 */
import type { FastifyInstance } from "fastify";
import type { DeliveryService } from "../../delivery/service-types.js";
import type { Message } from "../../delivery/types.js";
import { ErrorCodes } from "../../errors.js";
import type { HistogramCell } from "../../observability/hot-histogram.js";
import type { ApiKeyIndex } from "../accounts/api-key.js";
import { isoTime } from "../message-view.js";
import { accountRateLimit } from "../accounts/rate-limit.js";
import { volumeLimitsFor } from "../accounts/volume-limits.js";
import { authenticateHook } from "./authenticate.js";
import { HttpApiError } from "./http-api-error.js";
import { checkSubmit, type SubmitCheckDeps } from "./submit-checks.js";
import { submitBodySchema, submitHeadersSchema, type SubmitBody } from "./submit-schema.js";
import "./request-context.js";

/** The body of a 202 (new message) or 200 (a repeat of an Idempotency-Key). */
export interface SubmitResponse {
  id: string;
  state: Message["state"];
  created_at: string;
  expires_at: string;
  parts: number;
}

export function toSubmitResponse(message: Message): SubmitResponse {
  return {
    id: message.id,
    state: message.state,
    created_at: isoTime(message.createdAt),
    expires_at: isoTime(message.expiresAt),
    parts: message.parts,
  };
}

export function registerSubmitRoute(
  app: FastifyInstance,
  deps: SubmitCheckDeps & {
    keys: ApiKeyIndex;
    delivery: DeliveryService;
    /** Prefix of every Redis key (the account's rate counter is `<prefix>ratelimit:<account>`). */
    keyPrefix: string;
    saturatedRetryAfterSeconds: number;
    /** Where an accepted submit's time to its answer is observed (otpgw_submit_ack_seconds), if anywhere. */
    ackSeconds?: HistogramCell;
  },
): void {
  app.post<{ Body: SubmitBody; Headers: { "idempotency-key"?: string } }>(
    "/v1/messages",
    {
      schema: { body: submitBodySchema, headers: submitHeadersSchema },
      onRequest: authenticateHook(deps.keys),
    },
    async (request, reply) => {
      const account = request.otpgwAccount;
      if (account === null) throw new Error("authenticated route without an account");
      const checked = checkSubmit(request.body, account, deps);
      if (!deps.delivery.canAccept(checked.to, checked.country)) {
        throw new HttpApiError(
          503,
          ErrorCodes.HTTP_SATURATED,
          "the carriers for this destination are saturated; retry later",
          { retryAfterSeconds: deps.saturatedRetryAfterSeconds },
        );
      }
      const idempotencyKey = request.headers["idempotency-key"];
      const { message, created } = await deps.delivery.accept({
        account: account.id,
        to: checked.to,
        from: checked.from,
        country: checked.country,
        text: checked.text,
        parts: checked.parts,
        validitySeconds: checked.validitySeconds,
        ...(checked.clientRef !== undefined && { clientRef: checked.clientRef }),
        ...(checked.callbackUrl !== undefined && { callbackUrl: checked.callbackUrl }),
        receiptVia: checked.callbackUrl === undefined ? "none" : "webhook",
        // Taken in the same step as storing: over the rate, nothing is stored (429).
        rateLimit: accountRateLimit(deps.keyPrefix, account),
        volumeLimits: volumeLimitsFor(deps.keyPrefix, account, checked.to),
        ...(idempotencyKey !== undefined && { idempotencyKey }),
      });
      deps.ackSeconds?.observe(reply.elapsedTime / 1000);
      return reply
        .code(created ? 202 : 200)
        .header("location", `/v1/messages/${encodeURIComponent(message.id)}`)
        .send(toSubmitResponse(message));
    },
  );
}
