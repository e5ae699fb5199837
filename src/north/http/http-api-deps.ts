import type { Redis } from "ioredis";
import type { DeliveryService } from "../../delivery/service-types.js";
import type { Logger } from "../../observability/logger.js";
import type { Metrics } from "../../observability/metrics.js";
import type { AccountsConfig } from "../accounts/account-types.js";
import type { ApiKeyIndex } from "../accounts/api-key.js";
import type { LookupLimiter } from "../accounts/lookup-limit.js";
import type { SubmitCheckDeps } from "./submit-checks.js";

/** What the HTTP API needs; the gateway builds the real ones, tests pass their own. */
export interface HttpApiDeps extends SubmitCheckDeps {
  /** The accounts whose API keys authenticate; an AccountDirectory makes a reloaded accounts.yaml apply at once. */
  accounts: AccountsConfig | ApiKeyIndex;
  delivery: DeliveryService;
  /** For the per-account rate limits, shared by every instance. */
  redis: Redis;
  /** Prefix of every Redis key the API writes (rate-limit counters: `<keyPrefix>ratelimit:<account>`). */
  keyPrefix: string;
  logger: Logger;
  metrics?: Pick<Metrics, "httpRequests" | "submitAckSeconds">;
  /** Lookups per account and second (GET /v1/messages/:id), shared with SMPP query_sm. Default: the API's own. */
  lookups?: LookupLimiter;
  /** Whether the daemon is ready for traffic (GET /readyz). */
  ready: () => boolean;
  /** `Retry-After` seconds of a 503 when carriers are saturated. Default 1: saturation clears in seconds. */
  saturatedRetryAfterSeconds?: number;
  /**
   * Largest request body in bytes. Default 32 KiB: a 10-part UCS-2 text written as `\uXXXX` escapes is
   * about 4 KiB, so anything much larger is not a submit.
   */
  bodyLimitBytes?: number;
  /** The OpenAPI document served at GET /openapi.yaml. Default: `docs/openapi.yaml` of this installation. */
  openapiPath?: string;
}

export const httpApiDefaults = {
  saturatedRetryAfterSeconds: 1,
  bodyLimitBytes: 32 * 1024,
} as const;
