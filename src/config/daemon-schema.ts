/**
 * The schema of the daemon settings file (`otpgw.yaml`, snake_case as written). Every key is optional and
 * takes its default from `defaults.daemon`; unknown keys are errors.
 */
import * as z from "zod";
import { channelsFileSchema } from "../escalation/channel-config.js";
import { parseRedisAddress } from "../redis/redis-address.js";
import { defaults, limits } from "./defaults.js";

const d = defaults.daemon;

/** host and port of a listener, with the defaults given. */
const listenerFields = (fallback: { host: string; port: number }) => ({
  host: z.string().min(1).default(fallback.host),
  port: z.number().int().min(limits.listenPortMin).max(limits.portMax).default(fallback.port),
});
const listener = (fallback: { host: string; port: number }) =>
  z.strictObject(listenerFields(fallback)).prefault({});

/** Whole seconds from `min` up to what a Node timer can wait. */
const seconds = (min: number) =>
  z
    .number()
    .int()
    .min(min)
    .max(Math.floor(limits.timerMaxMs / 1000));
const ms = (min: number) => z.number().int().min(min).max(limits.timerMaxMs);

export const daemonFileSchema = z
  .strictObject({
    log_level: z.enum(limits.logLevels).default(d.logLevel),
    // WhatsApp and voice after SMS (docs/channels.md); none by default.
    channels: channelsFileSchema,
    carriers_dir: z.string().min(1).default(d.carriersDir),
    routes_file: z.string().min(1).default(d.routesFile),
    accounts_file: z.string().min(1).default(d.accountsFile),
    // Mobile networks by MCC/MNC and number range (docs/routing.md); default: the file otpgw ships, data/networks.yaml.
    networks_file: z.string().min(1).optional(),
    redis_key_prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.:{}-]{1,64}$/, { error: "1-64 characters from A-Z a-z 0-9 _ . : { } -" })
      .default(d.redisKeyPrefix),
    redis_batch_delay_ms: z
      .number()
      .int()
      .min(0)
      .max(limits.redisBatchDelayMsMax)
      .default(d.redisBatchDelayMs),
    retention: z
      .strictObject({
        body_seconds: seconds(0).default(d.retention.bodyMs / 1000),
        message_seconds: seconds(60).default(d.retention.messageMs / 1000),
        idempotency_seconds: seconds(60).default(d.retention.idempotencyMs / 1000),
      })
      .prefault({}),
    delivery: z
      .strictObject({
        min_remaining_validity_seconds: seconds(0).default(d.delivery.minRemainingValidityMs / 1000),
        retry_unavailable_ms: ms(10).default(d.delivery.retryUnavailableMs),
        timer_poll_ms: ms(10).default(d.delivery.timerPollMs),
        timer_lease_ms: ms(1000).default(d.delivery.timerLeaseMs),
      })
      .prefault({}),
    redis_url: z
      .string()
      .superRefine((url, ctx) => {
        try {
          parseRedisAddress(url);
        } catch (error) {
          ctx.addIssue({ code: "custom", message: (error as Error).message });
        }
      })
      .optional(),
    redis_tls: z
      .strictObject({
        ca_file: z.string().min(1).optional(),
        cert_file: z.string().min(1).optional(),
        key_file: z.string().min(1).optional(),
        server_name: z.string().min(1).optional(),
      })
      .optional(),
    redis_wait_replicas: z
      .number()
      .int()
      .min(0)
      .max(limits.redisWaitReplicasMax)
      .default(d.redisWait.replicas),
    redis_wait_timeout_ms: z
      .number()
      .int()
      .min(limits.redisWaitTimeoutMsRange[0])
      .max(limits.redisWaitTimeoutMsRange[1])
      .default(d.redisWait.timeoutMs),
    http: z
      .strictObject({
        ...listenerFields(d.http),
        max_connections: z.number().int().min(1).max(100_000).default(d.http.maxConnections),
      })
      .prefault({}),
    smpp: z
      .strictObject({
        enabled: z.boolean().default(d.smpp.enabled),
        host: z.string().min(1).default(d.smpp.host),
        port: z.number().int().min(limits.listenPortMin).max(limits.portMax).default(d.smpp.port),
        tls: z
          .strictObject({
            port: z.number().int().min(limits.listenPortMin).max(limits.portMax),
            key_file: z.string().min(1),
            cert_file: z.string().min(1),
          })
          .optional(),
        session_init_ms: ms(100).default(d.smpp.sessionInitMs),
        max_sessions: z.number().int().min(1).max(100_000).default(d.smpp.maxSessions),
        max_unbound_per_address: z.number().int().min(1).max(10_000).default(d.smpp.maxUnboundPerAddress),
        inactivity_ms: ms(1000).default(d.smpp.inactivityMs),
        window: z.number().int().min(1).max(limits.windowSizeMax).default(d.smpp.windowSize),
      })
      .prefault({}),
    metrics: listener(d.metrics),
    shutdown_timeout_ms: z.number().int().min(1).max(limits.timerMaxMs).default(d.shutdownTimeoutMs),
    webhook_private_addresses: z.enum(["refuse", "allow"]).default(d.webhookPrivateAddresses),
    instance_id: z
      .string()
      .regex(/^[A-Za-z0-9_.:@-]{1,128}$/, { error: "1-128 characters from A-Z a-z 0-9 _ . : @ -" })
      .optional(),
  })
  .superRefine((settings, ctx) => {
    redisTlsIssues(settings, ctx);
    const { message_seconds: messageSeconds, idempotency_seconds: idempotencySeconds } = settings.retention;
    if (idempotencySeconds > messageSeconds) {
      // A key outliving its message: a repeat could be neither answered with the message nor created anew.
      ctx.addIssue({
        code: "custom",
        path: ["retention", "idempotency_seconds"],
        message: `must not exceed retention.message_seconds (${messageSeconds}): an Idempotency-Key must not outlive its message`,
      });
    }
    const port = settings.metrics.port;
    if (port !== 0 && port === settings.http.port) {
      ctx.addIssue({
        code: "custom",
        path: ["metrics", "port"],
        message: `must differ from http.port (${port})`,
      });
    }
  });

export type DaemonFile = z.output<typeof daemonFileSchema>;

/** `redis_tls` needs a TLS URL, and a client certificate comes with its key. */
function redisTlsIssues(
  settings: {
    redis_url?: string | undefined;
    redis_tls?: { cert_file?: string; key_file?: string } | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  const tls = settings.redis_tls;
  if (!tls) return;
  if (settings.redis_url !== undefined && !/^rediss(\+sentinel)?:\/\//.test(settings.redis_url)) {
    ctx.addIssue({
      code: "custom",
      path: ["redis_tls"],
      message: "applies to TLS connections only: redis_url must be rediss:// or rediss+sentinel://",
    });
  }
  if ((tls.cert_file === undefined) !== (tls.key_file === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: ["redis_tls", tls.cert_file === undefined ? "cert_file" : "key_file"],
      message: "cert_file and key_file go together (the client certificate and its key)",
    });
  }
}
