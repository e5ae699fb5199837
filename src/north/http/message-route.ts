/**
 * A submitted message, for the account that submitted it only: GET /v1/messages/:id (its state and attempts) and
 * POST /v1/messages/:id/conversion (the person used its code).
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { DeliveryService } from "../../delivery/service-types.js";
import type { Message } from "../../delivery/types.js";
import type { Account } from "../accounts/account-types.js";
import type { ApiKeyIndex } from "../accounts/api-key.js";
import { LookupLimiter } from "../accounts/lookup-limit.js";
import { ErrorCodes } from "../../errors.js";
import { toMessageView } from "../message-view.js";
import { authenticateHook } from "./authenticate.js";
import { HttpApiError, notFound } from "./http-api-error.js";
import "./request-context.js";

interface MessageRouteDeps {
  keys: ApiKeyIndex;
  delivery: DeliveryService;
  lookups: LookupLimiter;
}

export function registerMessageRoute(app: FastifyInstance, deps: MessageRouteDeps): void {
  const onRequest = authenticateHook(deps.keys);

  app.get<{ Params: { id: string } }>("/v1/messages/:id", { onRequest }, async (request) => {
    const account = await lookUp(request, deps);
    return toMessageView(await ownMessage(deps, account, request.params.id));
  });

  app.post<{ Params: { id: string } }>(
    "/v1/messages/:id/conversion",
    // No body is read: a report needs only the id (a JSON body, if sent, is parsed and ignored).
    { onRequest },
    async (request) => {
      const account = await lookUp(request, deps);
      if (account.reportsConversions !== true) {
        throw new HttpApiError(
          403,
          ErrorCodes.HTTP_CONVERSIONS_OFF,
          `account "${account.id}" does not report conversions: set reports_conversions: true in accounts.yaml`,
        );
      }
      const { id } = await ownMessage(deps, account, request.params.id);
      const converted = await deps.delivery.convert(id);
      if (converted === null) throw notFound("message");
      return toMessageView(converted);
    },
  );
}

/** The request's account, once it took one lookup from the account's budget (429 beyond it). */
async function lookUp(request: FastifyRequest, deps: MessageRouteDeps): Promise<Account> {
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
  return account;
}

/** The message `id` if `account` submitted it. */
async function ownMessage(deps: MessageRouteDeps, account: Account, id: string): Promise<Message> {
  // The router already refuses ids over 100 characters (404), so a probe costs one bounded lookup.
  const message = await deps.delivery.get(id);
  // Another account's message is "not found", not "forbidden": ids must not be probed across accounts.
  if (message === null || message.account !== account.id) throw notFound("message");
  return message;
}
