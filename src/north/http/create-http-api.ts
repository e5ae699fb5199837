/**
 * The HTTP submit API (docs/http-api.md, docs/openapi.yaml), as a Fastify instance the caller listens with
 * and closes. Fastify's own logger stays off: the API writes one debug line per request itself, without the
 * text, the API key or the full number.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import { createApiKeyIndex } from "../accounts/api-key.js";
import { clientErrorHandler } from "./client-errors.js";
import { toHttpApiError } from "./error-mapping.js";
import { errorBody, notFound, type HttpApiError } from "./http-api-error.js";
import { httpApiDefaults, type HttpApiDeps } from "./http-api-deps.js";
import { LookupLimiter } from "../accounts/lookup-limit.js";
import { registerMessageRoute } from "./message-route.js";
import { registerServiceRoutes } from "./service-routes.js";
import { registerSubmitRoute } from "./submit-route.js";
import "./request-context.js";

export function createHttpApi(deps: HttpApiDeps): FastifyInstance {
  const saturatedRetryAfterSeconds =
    deps.saturatedRetryAfterSeconds ?? httpApiDefaults.saturatedRetryAfterSeconds;
  const app = Fastify({
    logger: false,
    // Errors raised by the router before any route or hook runs: answered in our format too. A path
    // parameter over the router's 100 characters cannot be one of our message ids.
    frameworkErrors: (error, _request, reply) => {
      const apiError =
        error.code === "FST_ERR_MAX_PARAM_LENGTH"
          ? notFound("message")
          : toHttpApiError(error, { saturatedRetryAfterSeconds });
      // Answered before any hook: counted here (onResponse does not see it).
      deps.metrics?.httpRequests.inc({
        route: "unmatched",
        status: String(apiError.status),
        code: apiError.code,
      });
      void sendApiError(reply, apiError);
    },
    clientErrorHandler: clientErrorHandler(deps.metrics),
    bodyLimit: deps.bodyLimitBytes ?? httpApiDefaults.bodyLimitBytes,
    ajv: {
      // Wrong types are the client's error (400), not something to guess at: no coercion, no silent
      // removal of unknown fields.
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false },
    },
  });
  // JSON only: a text/plain body is answered 415, not parsed as a string and refused as the wrong shape.
  app.removeContentTypeParser("text/plain");
  app.decorateRequest("otpgwAccount", null);
  app.decorateRequest("otpgwErrorCode", null);

  app.setErrorHandler((error, request, reply) => {
    const apiError = toHttpApiError(error, { saturatedRetryAfterSeconds });
    request.otpgwErrorCode = apiError.code;
    if (apiError.status >= 500 && apiError.retryAfterSeconds === undefined) {
      deps.logger.error(
        {
          err: describeCause(apiError.cause ?? error),
          route: request.routeOptions.url,
          account: request.otpgwAccount?.id,
        },
        "HTTP request failed",
      );
    }
    return sendApiError(reply, apiError);
  });

  app.setNotFoundHandler((request, reply) => {
    const apiError = notFound(`endpoint ${request.method} ${request.url.split("?")[0] ?? ""}`);
    request.otpgwErrorCode = apiError.code;
    return sendApiError(reply, apiError);
  });

  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unmatched";
    const code = request.otpgwErrorCode ?? "";
    deps.metrics?.httpRequests.inc({ route, status: String(reply.statusCode), code });
    deps.logger.debug(
      {
        method: request.method,
        route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        ...(request.otpgwAccount !== null && { account: request.otpgwAccount.id }),
        ...(code !== "" && { code }),
      },
      "http request",
    );
    done();
  });

  const keys = "find" in deps.accounts ? deps.accounts : createApiKeyIndex(deps.accounts);
  registerSubmitRoute(app, {
    keys,
    delivery: deps.delivery,
    keyPrefix: deps.keyPrefix,
    parseDestination: deps.parseDestination,
    countParts: deps.countParts,
    validity: deps.validity,
    saturatedRetryAfterSeconds,
    ...(deps.metrics !== undefined && {
      ackSeconds: deps.metrics.submitAckSeconds.cell({ interface: "http" }),
    }),
    ...(deps.privateCallbacks !== undefined && { privateCallbacks: deps.privateCallbacks }),
    ...(deps.limited !== undefined && { limited: deps.limited }),
    ...(deps.suspended !== undefined && { suspended: deps.suspended }),
    ...(deps.blockedRange !== undefined && { blockedRange: deps.blockedRange }),
  });
  registerMessageRoute(app, { keys, delivery: deps.delivery, lookups: deps.lookups ?? new LookupLimiter() });
  registerServiceRoutes(app, {
    ready: deps.ready,
    logger: deps.logger,
    ...(deps.openapiPath !== undefined && { openapiPath: deps.openapiPath }),
  });
  return app;
}

function sendApiError(reply: FastifyReply, error: HttpApiError): FastifyReply {
  if (error.retryAfterSeconds !== undefined)
    void reply.header("retry-after", String(error.retryAfterSeconds));
  return reply.code(error.status).send(errorBody(error));
}

/** An error's name, code and message for the log: never its properties, which might hold request data. */
function describeCause(error: unknown): { name?: string; code?: unknown; message: string } {
  if (error instanceof Error) {
    return { name: error.name, code: (error as { code?: unknown }).code, message: error.message };
  }
  return { message: String(error) };
}
