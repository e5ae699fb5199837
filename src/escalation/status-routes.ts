/**
 * The channel providers' status callbacks on the HTTP API's listener: `POST /v1/channels/<channel>/status` for
 * each configured channel (and Meta's subscription handshake, `GET /v1/channels/whatsapp/status`). Authenticated
 * by the provider's signature over the exact body, not by an API key; answered 200 only once every status in it
 * is recorded, so a provider posts again what otpgw could not record (503).
 */
import type { FastifyInstance } from "fastify";
import { ErrorCodes } from "../errors.js";
import { HttpApiError } from "../north/http/http-api-error.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { ChannelId, ChannelStatus, StatusCallbacks } from "./channel-types.js";

export interface StatusRoutesDeps {
  callbacks: ReadonlyMap<ChannelId, StatusCallbacks>;
  /** Records one status (DeliveryEngine.channelStatus); rejects when it could not be recorded. */
  record: (channel: ChannelId, status: ChannelStatus) => Promise<void>;
  /** Meta's handshake: the challenge to echo for these query parameters, or undefined (refused). */
  whatsappHandshake?: (query: Readonly<Record<string, unknown>>) => string | undefined;
  logger: Logger;
  metrics?: Pick<Metrics, "channelStatuses">;
}

/** A provider may batch statuses; far below this in practice, far above one status's ~1 KB. */
const statusBodyLimitBytes = 256 * 1024;

export function registerChannelStatusRoutes(app: FastifyInstance, deps: StatusRoutesDeps): void {
  const count = (channel: ChannelId, outcome: string) =>
    deps.metrics?.channelStatuses.inc({ channel, outcome });
  void app.register((scope, _options, done) => {
    // The signature covers the exact bytes: the body is kept raw and parsed here, after it is verified.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, parsed) => parsed(null, body));
    for (const [channel, callbacks] of deps.callbacks) {
      scope.post(
        `/v1/channels/${channel}/status`,
        { bodyLimit: statusBodyLimitBytes },
        async (request, reply) => {
          const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
          if (!callbacks.verify(raw, request.headers)) {
            count(channel, "unverified");
            throw new HttpApiError(
              401,
              ErrorCodes.CHANNEL_SIGNATURE,
              `missing or invalid signature: not signed with the ${channel} secret otpgw is configured with`,
            );
          }
          let statuses: ChannelStatus[];
          try {
            statuses = callbacks.parse(JSON.parse(raw.toString("utf8")));
          } catch (error) {
            count(channel, "malformed");
            throw new HttpApiError(
              400,
              ErrorCodes.HTTP_INVALID_BODY,
              `not a ${channel} status callback: ${(error as Error).message}`,
            );
          }
          try {
            for (const status of statuses) await deps.record(channel, status);
          } catch (error) {
            count(channel, "failed");
            deps.logger.warn(
              { channel, err: (error as Error).message },
              "channel status not recorded; the provider will post it again",
            );
            throw new HttpApiError(503, ErrorCodes.HTTP_UNAVAILABLE, "status not recorded; post it again", {
              retryAfterSeconds: 1,
              cause: error,
            });
          }
          count(channel, "recorded");
          return reply.code(200).send({ received: statuses.length });
        },
      );
    }
    const handshake = deps.whatsappHandshake;
    if (handshake && deps.callbacks.has("whatsapp")) {
      scope.get("/v1/channels/whatsapp/status", async (request, reply) => {
        const challenge = handshake(request.query as Record<string, unknown>);
        if (challenge === undefined)
          throw new HttpApiError(403, ErrorCodes.CHANNEL_SIGNATURE, "verify token does not match");
        return reply.code(200).type("text/plain").send(challenge);
      });
    }
    done();
  });
}
