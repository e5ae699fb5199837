import type { Redis } from "ioredis";
import { RedisBatch } from "./redis/redis-batch.js";
import { readonlyReconnect } from "./redis/failover.js";
import { parseRedisAddress, redisConnection, type RedisAccess } from "./redis/redis-address.js";
import { closeDaemonRedis, createDaemonRedis } from "./redis/daemon-client.js";
import { maskUrl } from "./redis/redis-preflight.js";
import { RedisClock } from "./redis/redis-clock.js";
import { startRedisSettingsWatch } from "./redis/redis-settings-watch.js";
import { loadRedisTls, redisAccess, unreachableRedisError } from "./redis/redis-tls.js";
import type { FastifyInstance } from "fastify";
import { carrierBindsStep, ShutdownSequence } from "./shutdown-sequence.js";
import { Reloads } from "./reloads.js";
import type { LoadedConfig } from "./config/loaded-config.js";
import { withTlsFiles } from "./config/tls-files.js";
import { ConfigReload } from "./config/config-reload.js";
import type { DeliveryEngine } from "./delivery/delivery-engine.js";
import { createDeliveryEngine, createEscalation } from "./gateway-delivery.js";
import { MessageStore } from "./delivery/message-store.js";
import { storeRetention } from "./delivery/store-retention.js";
import { OtpgwError, ErrorCodes } from "./errors.js";
import { capConnections, closeHttpApi } from "./north/http/http-listener.js";
import { createHttpApi } from "./north/http/create-http-api.js";
import { WebhookSender } from "./north/webhook/webhook-sender.js";
import { configuredChannels } from "./escalation/channel-config.js";
import type { EscalationService } from "./escalation/escalation-service.js";
import { AccountDirectory } from "./north/accounts/account-directory.js";
import { LookupLimiter } from "./north/accounts/lookup-limit.js";
import type { SmppServer } from "./north/smpp/smpp-server.js";
import { startSmppServer } from "./gateway-smpp.js";
import type { SubmitCheckDeps } from "./north/http/submit-checks.js";
import { submitCheckDeps } from "./north/submit-check-deps.js";
import type { Logger } from "./observability/logger.js";
import { LogThrottle } from "./observability/log-throttle.js";
import { createMetrics, type Metrics } from "./observability/metrics.js";
import { startMetricsServer } from "./observability/metrics-server.js";
import { LiveRouteTable } from "./routing/live-route-table.js";
import { ControlWatch } from "./ops/control-watch.js";
import { PortedWatch } from "./ops/ported-watch.js";
import { PumpingGuardService } from "./ops/pumping-guard-service.js";
import { instanceId } from "./config/instance-id.js";
import { BindSlots } from "./south/bind-slots.js";
import { CarrierPool, type CarrierStatus } from "./south/carrier-pool.js";

export interface GatewayOptions {
  config: LoadedConfig;
  logger: Logger;
  metrics?: Metrics;
  /** Reads the configuration files again (as at start) for SIGHUP; without it SIGHUP reloads TLS files only. */
  reloadConfig?: () => Promise<LoadedConfig>;
}

/** How often the running daemon checks Redis's settings again (and on every reconnect). */
const REDIS_SETTINGS_CHECK_MS = 60_000;

/**
 * The composition root: builds every component from the validated config and owns their lifecycle.
 * Start: metrics → Redis (checked, or start-up fails) → carrier binds → delivery → webhooks → HTTP API.
 * Close runs in reverse, each step even if another failed, after readiness turns false.
 */
export class Gateway {
  readonly carriers = new Map<string, CarrierPool>();
  readonly metrics: Metrics;
  readonly redis: Redis;
  /** Operators' drains and weight factors (otpgw carriers …), read from Redis; routing reads them from memory. */
  readonly controls: ControlWatch;
  /** Blocks ranges whose delivered codes are not used (accounts.yaml `pumping_guard`). */
  readonly pumpingGuard: PumpingGuardService;
  /** The ported numbers routing follows (`otpgw ported`), kept in step with Redis. */
  private readonly ported: PortedWatch;
  /** Each carrier's bind slots, leased to the instances sharing the Redis. */
  readonly slots: BindSlots;
  /**
   * Redis's clock as this process sees it (local clock plus the offset measured to Redis's TIME): delivery, escalation
   * and receipts time everything by it, so instances whose hosts' clocks differ agree on every deadline.
   */
  readonly clock: RedisClock;
  /** The sentinels' password and TLS options every connection is made with (redis_tls). */
  private readonly redisAccess: RedisAccess;
  /** The socket's own reason for the last failed connection (ioredis's connect() only says it closed). */
  private lastRedisError: Error | undefined;
  /** The hot path's group commit on `redis`. */
  private readonly batch: RedisBatch;
  private readonly store: MessageStore;
  readonly delivery: DeliveryEngine;
  private readonly webhooks: WebhookSender;
  /** WhatsApp and voice after SMS; undefined when otpgw.yaml configures no channel. */
  private readonly escalation: EscalationService | undefined;
  private smpp: SmppServer | undefined;
  /** The route table in use: replaced when SIGHUP finds a valid, different routes.yaml. */
  readonly routes: LiveRouteTable;
  /** The accounts in force (API keys, SMPP credentials, settings): replaced when SIGHUP finds accounts.yaml changed. */
  private readonly accounts: AccountDirectory;
  private readonly reloads: Reloads;
  smppPort: number | undefined;
  /** The SMPP TLS listener's port, when smpp.tls is set. */
  smppTlsPort: number | undefined;
  private readonly config: LoadedConfig;
  private readonly logger: Logger;
  private readonly closers = new ShutdownSequence();
  private closing: Promise<void> | undefined;
  private started = false;
  private http: FastifyInstance | undefined;
  /** Lookups of a message's state per account and second, shared by the HTTP API and SMPP query_sm. */
  private readonly lookups = new LookupLimiter();
  metricsPort: number | undefined;
  httpPort: number | undefined;

  constructor(options: GatewayOptions) {
    this.config = options.config;
    this.logger = options.logger;
    this.metrics = options.metrics ?? createMetrics({ defaultMetrics: true });
    const { daemon } = this.config;
    const routes = (this.routes = new LiveRouteTable(this.config.routes));
    this.accounts = new AccountDirectory(this.config.accounts);
    this.reloads = new Reloads({ logger: this.logger, metrics: this.metrics, closers: this.closers });
    if (options.reloadConfig) {
      const load = options.reloadConfig;
      this.reloads.config = new ConfigReload({
        load,
        running: this.config,
        routes,
        applyAccounts: (next) => ({
          ...this.accounts.replace(next),
          unbound: this.smpp?.accountsChanged((a, ip) => this.accounts.stillBound(a, ip)) ?? 0,
        }),
        logger: this.logger,
        metrics: this.metrics,
      });
    }
    this.metrics.setOutstandingSource(() =>
      this.carrierStatus().flatMap((c) =>
        c.binds.map((b) => ({ carrier: c.id, bind: b.id, outstanding: b.outstanding })),
      ),
    );
    if (!daemon.redisUrl) {
      throw new OtpgwError(
        ErrorCodes.CONFIG_INVALID,
        "redis_url (or REDIS_URL) is required: otpgw keeps every message in Redis",
      );
    }
    const address = parseRedisAddress(daemon.redisUrl);
    const access = (this.redisAccess = redisAccess(daemon));
    this.redis = createDaemonRedis(address, access);
    const { logger, metrics } = this;
    const clock = (this.clock = new RedisClock({ redis: this.redis, logger, metrics }));
    const slots = (this.slots = new BindSlots({
      redis: this.redis,
      prefix: daemon.redisKeyPrefix,
      token: instanceId(daemon),
      logger,
      metrics,
    }));
    // The pools time their tickets and first binds on the clock under Redis's (monotonic): delivery converts by it.
    const epochClock = clock.local;
    for (const carrier of this.config.carriers) {
      this.carriers.set(carrier.id, new CarrierPool({ carrier, logger, metrics, slots, epochClock }));
    }
    const { redis } = this;
    // Escalation channels may be drained too (escalation then skips them).
    const ids = [...this.config.carriers.map((c) => c.id), ...configuredChannels(daemon.channels)];
    this.controls = new ControlWatch({
      redis,
      prefix: daemon.redisKeyPrefix,
      carriers: ids,
      redisClock: clock,
      logger,
      metrics,
    });
    this.ported = new PortedWatch({ redis, prefix: daemon.redisKeyPrefix, routes, logger, metrics });
    this.pumpingGuard = new PumpingGuardService({
      redis,
      prefix: daemon.redisKeyPrefix,
      spec: (account) => this.accounts.byId(account)?.pumpingGuard,
      controls: this.controls.accounts,
      logger,
      metrics,
    });
    const connectionErrors = new LogThrottle(10_000); // one line per reconnect attempt would be ~1 a second
    this.redis.on("error", (error: Error) => {
      this.lastRedisError = error;
      connectionErrors.warn(this.logger, "", { err: error.message }, "redis connection error");
    });
    this.batch = new RedisBatch(
      this.redis,
      (seconds, ops, failed) => {
        metrics.redisBatchSeconds.observe({ outcome: failed ? "error" : "ok" }, seconds);
        metrics.redisBatchOps.inc(ops);
      },
      { delayMs: daemon.redisBatchDelayMs, wait: daemon.redisWait, keyPrefix: daemon.redisKeyPrefix },
    );
    const store = (this.store = new MessageStore({
      redis: this.redis,
      batch: this.batch,
      prefix: daemon.redisKeyPrefix,
      retention: storeRetention(daemon.retention),
    }));
    this.webhooks = new WebhookSender({
      connection: redisConnection(address, access, { reconnectOnError: readonlyReconnect() }),
      prefix: `${daemon.redisKeyPrefix}bull`,
      getMessage: async (id) => (await store.get(id))?.message ?? null,
      webhookSecret: (account) => this.accounts.byId(account)?.webhookSecret,
      logger: this.logger,
      metrics: this.metrics,
      retentionMs: daemon.retention.messageMs,
      privateAddresses: daemon.webhookPrivateAddresses,
    });
    this.escalation = createEscalation({
      daemon,
      connection: redisConnection(address, access, { reconnectOnError: readonlyReconnect() }),
      delivery: () => this.delivery,
      accounts: this.accounts,
      clock,
      logger,
      metrics,
    });
    this.delivery = createDeliveryEngine({
      config: this.config,
      routes,
      controls: this.controls,
      pools: this.carriers,
      accounts: this.accounts,
      conversionListener: this.pumpingGuard,
      redis: this.redis,
      batch: this.batch,
      store,
      webhooks: this.webhooks,
      escalation: this.escalation,
      smpp: () => this.smpp,
      clock,
      logger,
      metrics,
    });
  }

  /** Ready for traffic: started, not closing, and Redis connected. */
  get ready(): boolean {
    return this.started && !this.closing && this.redis.status === "ready";
  }

  async start(): Promise<void> {
    const { daemon } = this.config;
    const metricsServer = await startMetricsServer({
      host: daemon.metrics.host,
      port: daemon.metrics.port,
      metrics: this.metrics,
      logger: this.logger,
      health: () => ({
        ok: true,
        detail: {
          ready: this.ready,
          carriers: this.carrierStatus().map((c) => ({ id: c.id, bound: c.bound, queued: c.queued })),
        },
      }),
    });
    this.metricsPort = metricsServer.port;
    this.closers.add({ name: "metrics server", close: metricsServer.close });

    try {
      await this.redis.connect();
      await this.redis.ping();
    } catch (error) {
      const cause = this.lastRedisError ?? (error as Error);
      throw unreachableRedisError(maskUrl(daemon.redisUrl ?? ""), this.redisAccess, cause);
    }
    this.closers.add({
      name: "redis",
      close: (ms) => closeDaemonRedis(this.redis, this.batch, ms),
    });
    // Before anything times a message: every deadline is on Redis's clock, whatever this host's says.
    await this.clock.start();
    this.closers.add({ name: "redis clock", close: () => this.clock.close() });
    const watch = await startRedisSettingsWatch({
      redis: this.redis,
      url: daemon.redisUrl ?? "",
      waitReplicas: daemon.redisWait.replicas,
      logger: this.logger,
      metrics: this.metrics,
      intervalMs: REDIS_SETTINGS_CHECK_MS,
    });
    this.closers.add({ name: "redis settings watch", close: () => Promise.resolve(watch.stop()) });
    // Before any bind opens or any message resumes: a drained carrier gets nothing, even right after a restart.
    await this.controls.start();
    this.closers.add({ name: "carrier overrides", close: () => this.controls.close() });
    this.pumpingGuard.start();
    this.closers.add({ name: "pumping guard", close: () => Promise.resolve(this.pumpingGuard.close()) });
    // Likewise ported numbers: a message resumed after a restart goes to the network its number was ported to.
    await this.ported.start();
    this.closers.add({ name: "ported numbers", close: () => this.ported.close() });
    const redisTls = daemon.redisTls;
    const shared = this.redisAccess.tls;
    if (redisTls && shared) {
      await this.reloads.watchTls({
        name: "Redis TLS files",
        use: "redis_client",
        files: [redisTls.caFile, redisTls.certFile, redisTls.keyFile],
        installed: shared,
        load: () => withTlsFiles(daemon, () => loadRedisTls(redisTls)),
        apply: (m) => Object.assign(shared, m),
      });
    }

    // Webhooks close after the binds drained (receipts arriving meanwhile still finalise messages).
    this.webhooks.start();
    this.closers.add({ name: "webhooks", close: (ms) => this.webhooks.close(ms) });
    const escalation = this.escalation;
    if (escalation) {
      escalation.start();
      this.closers.add({ name: "escalation", close: (ms) => escalation.close(ms) });
    }
    // Binds open on the slots the first lease tick takes: every slot when this instance is alone.
    for (const pool of this.carriers.values()) pool.start();
    await this.slots.start();
    this.closers.add(
      carrierBindsStep({ slots: this.slots, pools: this.carriers.values(), delivery: this.delivery }),
    );

    this.delivery.start();
    this.closers.add({ name: "delivery", close: (ms) => this.delivery.close(ms) });

    // The routes as they are now (a reload replaces them): validity defaults follow routes.yaml.
    const checks = submitCheckDeps({ daemon, routes: this.routes }, this.metrics, this.controls.accounts);
    if (daemon.smpp.enabled) await this.startSmppServer(checks);
    const http = createHttpApi({
      accounts: this.accounts,
      delivery: this.delivery,
      lookups: this.lookups,
      redis: this.redis,
      keyPrefix: daemon.redisKeyPrefix,
      logger: this.logger,
      metrics: this.metrics,
      ready: () => this.ready,
      ...checks,
    });
    this.http = http;
    this.escalation?.registerRoutes(http);
    capConnections(http, daemon.http.maxConnections, { metrics: this.metrics, logger: this.logger });
    await http.listen({ host: daemon.http.host, port: daemon.http.port });
    const address = http.server.address();
    this.httpPort = address && typeof address === "object" ? address.port : daemon.http.port;
    this.closers.add({ name: "http api", close: (ms) => closeHttpApi(http, ms) });
    this.started = true;
    this.metrics.configReloadedAt.set(Date.now() / 1000);
    this.logger.info(
      {
        carriers: [...this.carriers.keys()],
        httpPort: this.httpPort,
        metricsPort: this.metricsPort,
        smppPort: this.smppPort,
        ...(this.smppTlsPort !== undefined && { smppTlsPort: this.smppTlsPort }),
      },
      "otpgw started",
    );
  }

  /** The SMPP server for aggregators (gateway-smpp.ts), sharing the submit checks. */
  private async startSmppServer(checks: SubmitCheckDeps): Promise<void> {
    const { server, port, tlsPort } = await startSmppServer({
      daemon: this.config.daemon,
      lookups: this.lookups,
      accounts: this.accounts,
      delivery: this.delivery,
      redis: this.redis,
      batch: this.batch,
      store: this.store,
      reloads: this.reloads,
      closers: this.closers,
      logger: this.logger,
      metrics: this.metrics,
      checks,
      sharedClock: () => this.clock.now(),
    });
    this.smpp = server;
    this.smppPort = port;
    this.smppTlsPort = tlsPort;
  }

  /** SIGHUP: reload what can be reloaded without a restart (TLS files, the route table; src/reloads.ts). */
  reload(): Promise<void> {
    return this.reloads.reload();
  }

  carrierStatus(): CarrierStatus[] {
    return [...this.carriers.values()].map((p) => p.status());
  }

  /** Closes everything in reverse start order within one shutdown_timeout_ms (ShutdownSequence); idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.closers.run(this.config.daemon.shutdownTimeoutMs, this.logger);
      if (!this.started) this.redis.disconnect();
      this.logger.info("otpgw stopped");
    })();
    return this.closing;
  }
}
