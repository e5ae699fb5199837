import type { LoadedConfig } from "./config/loaded-config.js";
import type { Logger } from "./observability/logger.js";
import { createMetrics, type Metrics } from "./observability/metrics.js";
import { startMetricsServer } from "./observability/metrics-server.js";
import { CarrierPool, type CarrierStatus } from "./south/carrier-pool.js";

export interface GatewayOptions {
  config: LoadedConfig;
  logger: Logger;
  metrics?: Metrics;
}

/**
 * The composition root: builds every component from the validated config and owns their lifecycle.
 * Start order: metrics endpoint → carrier binds. Close runs in reverse, each step even if another failed.
 */
export class Gateway {
  readonly carriers = new Map<string, CarrierPool>();
  readonly metrics: Metrics;
  private readonly config: LoadedConfig;
  private readonly logger: Logger;
  private readonly closers: { name: string; close: () => Promise<void> }[] = [];
  private closing: Promise<void> | undefined;
  metricsPort: number | undefined;

  constructor(options: GatewayOptions) {
    this.config = options.config;
    this.logger = options.logger;
    this.metrics = options.metrics ?? createMetrics({ defaultMetrics: true });
    for (const carrier of this.config.carriers) {
      const pool = new CarrierPool({ carrier, logger: this.logger, metrics: this.metrics });
      this.carriers.set(carrier.id, pool);
    }
  }

  async start(): Promise<void> {
    const { daemon } = this.config;
    const metricsServer = await startMetricsServer({
      host: daemon.metrics.host,
      port: daemon.metrics.port,
      metrics: this.metrics,
      logger: this.logger,
      health: () => {
        const carriers = this.carrierStatus();
        return {
          ok: true,
          detail: { carriers: carriers.map((c) => ({ id: c.id, bound: c.bound, queued: c.queued })) },
        };
      },
    });
    this.metricsPort = metricsServer.port;
    this.closers.push({ name: "metrics server", close: metricsServer.close });
    for (const pool of this.carriers.values()) pool.start();
    this.closers.push({
      name: "carrier binds",
      close: async () => {
        await Promise.allSettled(
          [...this.carriers.values()].map((p) => p.close(this.config.daemon.shutdownTimeoutMs)),
        );
      },
    });
    this.logger.info({ carriers: [...this.carriers.keys()], metricsPort: this.metricsPort }, "otpgw started");
  }

  carrierStatus(): CarrierStatus[] {
    return [...this.carriers.values()].map((p) => p.status());
  }

  /** Closes everything in reverse start order; idempotent; never throws. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const closer of this.closers.reverse()) {
        try {
          await closer.close();
        } catch (error) {
          this.logger.error({ err: error, component: closer.name }, "error while closing");
        }
      }
      this.logger.info("otpgw stopped");
    })();
    return this.closing;
  }
}
