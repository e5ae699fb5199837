/**
 * The gateway's delivery engine: its collaborators (route planner, hand-offs between instances, attempt withdrawals,
 * escalation to WhatsApp and voice) and its settings, and where final messages are handed over (webhooks, SMPP
 * receipts). Part of the composition root (gateway.ts).
 */
import type { Redis } from "ioredis";
import type { LoadedConfig } from "./config/loaded-config.js";
import { AttemptWithdrawals } from "./delivery/attempt-withdrawals.js";
import { DeliveryEngine } from "./delivery/delivery-engine.js";
import { HandOffs } from "./delivery/hand-offs.js";
import type { MessageStore } from "./delivery/message-store.js";
import type { ConversionListener } from "./delivery/processor-types.js";
import { DEFAULT_STARTUP_RECEIPT_GRACE_MS } from "./delivery/submit-results.js";
import type { DaemonConfig } from "./config/types.js";
import { EscalationService, type EscalationServiceOptions } from "./escalation/escalation-service.js";
import { otpCodePattern } from "./escalation/otp-code.js";
import type { AccountDirectory } from "./north/accounts/account-directory.js";
import type { SmppServer } from "./north/smpp/smpp-server.js";
import type { WebhookSender } from "./north/webhook/webhook-sender.js";
import type { Logger } from "./observability/logger.js";
import type { Metrics } from "./observability/metrics.js";
import type { ControlWatch } from "./ops/control-watch.js";
import type { RedisBatch } from "./redis/redis-batch.js";
import type { RedisClock } from "./redis/redis-clock.js";
import type { LiveRouteTable } from "./routing/live-route-table.js";
import type { RoutePlanner } from "./delivery/route-planner.js";
import { createRoutePlanner } from "./routing/route-planner.js";
import type { CarrierOverrides } from "./routing/select-carrier.js";
import type { CarrierPool } from "./south/carrier-pool.js";

export interface DeliveryParts {
  config: LoadedConfig;
  routes: LiveRouteTable;
  controls: ControlWatch;
  pools: ReadonlyMap<string, CarrierPool>;
  accounts: AccountDirectory;
  conversionListener: ConversionListener;
  redis: Redis;
  batch: RedisBatch;
  store: MessageStore;
  webhooks: WebhookSender;
  escalation: EscalationService | undefined;
  /** The SMPP server once started (receipts to ESMEs); undefined before, or when SMPP is off. */
  smpp: () => SmppServer | undefined;
  logger: Logger;
  metrics: Metrics;
  /** Redis's clock as this process sees it: every time delivery stores or compares, shared by the instances. */
  clock: RedisClock;
}

/** WhatsApp and voice after SMS: undefined when otpgw.yaml configures no channel. */
export function createEscalation(parts: {
  daemon: DaemonConfig;
  /** BullMQ's connection (one of its own). */
  connection: EscalationServiceOptions["connection"];
  /** Delivery, once it exists (it is built with the escalation's escalator). */
  delivery: () => DeliveryEngine;
  accounts: AccountDirectory;
  clock: RedisClock;
  logger: Logger;
  metrics: Metrics;
}): EscalationService | undefined {
  const { daemon, clock } = parts;
  return EscalationService.create({
    channels: daemon.channels,
    connection: parts.connection,
    prefix: `${daemon.redisKeyPrefix}bull`,
    delivery: parts.delivery,
    codePattern: (account) => otpCodePattern(parts.accounts.byId(account)?.otpCodePattern),
    minRemainingMs: daemon.delivery.minRemainingValidityMs,
    // Carriers not bound yet in a process's first moments are not down: their binds are coming up. Counted from
    // delivery's start (the binds opened just before it), not the clock's: the start-up steps between them (settings,
    // controls, ported numbers, bind-slot leases) can take seconds. Nothing is down before delivery started.
    downCountsFrom: () => (parts.delivery().startedAt ?? Infinity) + DEFAULT_STARTUP_RECEIPT_GRACE_MS,
    // Deadlines delivery wrote (maybe on another instance) are compared with it.
    now: () => clock.now(),
    logger: parts.logger,
    metrics: parts.metrics,
  });
}

/**
 * Delivery's route planner. Its live health compares the attempts' `endedAt` and deliveries' `deliveredAt`, which
 * delivery stamps on Redis's clock, with now: on the same clock, or a host off Redis's would age them by the offset.
 */
export function deliveryPlanner(
  parts: Pick<DeliveryParts, "routes" | "logger" | "metrics" | "clock"> & { controls?: CarrierOverrides },
): RoutePlanner {
  const { clock, logger, metrics } = parts;
  return createRoutePlanner(parts.routes, Math.random, {
    ...(parts.controls && { overrides: parts.controls }),
    clock: () => clock.now(),
    logger,
    metrics,
  });
}

export function createDeliveryEngine(parts: DeliveryParts): DeliveryEngine {
  const { config, logger, metrics, accounts, smpp } = parts;
  const { daemon } = config;
  const { clock } = parts;
  return new DeliveryEngine({
    clock: () => clock.now(),
    clockErrorMs: () => clock.errorMs(),
    // The pools' epochClock (gateway.ts): times to and from them keep their distance from now.
    poolClock: clock.local,
    store: parts.store,
    planner: deliveryPlanner(parts),
    pools: parts.pools,
    carriers: new Map(config.carriers.map((c) => [c.id, c])),
    logger,
    metrics,
    reportsConversions: (account) => accounts.byId(account)?.reportsConversions === true,
    conversionListener: parts.conversionListener,
    options: {
      minRemainingMs: daemon.delivery.minRemainingValidityMs,
      retryUnavailableMs: daemon.delivery.retryUnavailableMs,
      defaultDlrTimeoutMs: config.routes.defaults.dlrTimeoutMs,
      timerPollMs: daemon.delivery.timerPollMs,
      timerLeaseMs: daemon.delivery.timerLeaseMs,
      startupReceiptGraceMs: DEFAULT_STARTUP_RECEIPT_GRACE_MS,
      receiptLookupRetries: 5,
      receiptLookupDelayMs: 50,
    },
    prepareHandOver: (message) => smpp()?.prepareReceipt(message),
    handOffs: new HandOffs({ batch: parts.batch, prefix: daemon.redisKeyPrefix, logger }),
    attemptWithdrawals: new AttemptWithdrawals(parts.redis, daemon.redisKeyPrefix, logger),
    ...(parts.escalation && { escalation: parts.escalation.escalator }),
    notify: async (message) => {
      if (message.receiptVia === "webhook" && message.callbackUrl) await parts.webhooks.deliver(message);
      if (message.receiptVia === "smpp" && (await smpp()?.enqueueReceipt(message))) return "out-of-outbox";
    },
  });
}
