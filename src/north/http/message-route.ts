/** GET /v1/messages/:id: a message's state and attempts, for the account that submitted it only. */
import type { FastifyInstance } from "fastify";
import type { DeliveryService } from "../../delivery/service-types.js";
import type { ApiKeyIndex } from "../accounts/api-key.js";
import { LookupLimiter } from "../accounts/lookup-limit.js";
import { ErrorCodes } from "../../errors.js";
import { toMessageView } from "../message-view.js";
import { authenticateHook } from "./authenticate.js";
import { HttpApiError, notFound } from "./http-api-error.js";
import "./request-context.js";

export function registerMessageRoute(
  app: FastifyInstance,
  deps: { keys: ApiKeyIndex; delivery: DeliveryService; lookups: LookupLimiter },
): void {
  app.get<{ Params: { id: string } }>(
    "/v1/messages/:id",
    { onRequest: authenticateHook(deps.keys) },
    async (request) => {
      const { id } = request.params;
      const account = request.otpgwAccount;
      if (account === null) throw new Error("authenticated route without an account");
      const waitMs = await deps.lookups.take(account);
      if (waitMs !== undefined) {
        throw new HttpApiError(
          429,
          ErrorCodes.HTTP_RATE_LIMITED,
          `over this account's ${LookupLimiter.perSecond(account)} lookups per second`,
          { retryAfterSeconds: Math.ceil(waitMs / 1000) },
        );
      }
      // The router already refuses ids over 100 characters (404), so a probe costs one bounded lookup.
      const message = await deps.delivery.get(id);
      // Another account's message is "not found", not "forbidden": ids must not be probed across accounts.
      if (message === null || message.account !== account.id) throw notFound("message");
      return toMessageView(message);
    },
  );
}
