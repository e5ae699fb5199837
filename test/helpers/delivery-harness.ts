import { onTestFinished } from "vitest";
import { CarrierSimulator, type SimulatorOptions } from "../../scripts/sim/carrier-simulator.js";
import type { CarrierConfig } from "../../src/config/types.js";
import { AttemptWithdrawals } from "../../src/delivery/attempt-withdrawals.js";
import {
  DeliveryEngine,
  type DeliveryEngineDeps,
  type DeliveryEngineOptions,
} from "../../src/delivery/delivery-engine.js";
import { MessageStore } from "../../src/delivery/message-store.js";
import { RedisBatch } from "../../src/redis/redis-batch.js";
import type { EscalationDeps } from "../../src/delivery/processor-types.js";
import type { RoutePlan, RoutePlanner } from "../../src/delivery/route-planner.js";
import type { ChannelId } from "../../src/escalation/channel-types.js";
import type { Message, NewMessage } from "../../src/delivery/types.js";
import { createLogger, silentLogger } from "../../src/observability/logger.js";
import { CarrierPool } from "../../src/south/carrier-pool.js";
import { testCarrier } from "./carrier-config.js";
import { testRedis } from "./redis.js";

/** Tries carriers in the listed order (a fixed route for lifecycle tests; routing has its own tests). */
export function orderedPlanner(
  carriers: string[],
  dlrTimeoutMs: number,
  escalation: RoutePlan["escalation"] = [],
): RoutePlanner {
  return {
    drained: () => false,
    plan: () => ({ name: "test", dlrTimeoutMs, carriers, escalation }),
    choose: (_to, _country, tried, available) => {
      const next = carriers.find((c) => !tried.includes(c) && available(c));
      return next ? { carrier: next, explain: `ordered: ${next}` } : null;
    },
  };
}

export const FAST: DeliveryEngineOptions = {
  minRemainingMs: 500,
  retryUnavailableMs: 100,
  defaultDlrTimeoutMs: 2000,
  timerPollMs: 20,
  timerLeaseMs: 2000,
  startupReceiptGraceMs: 500,
  receiptLookupRetries: 5,
  receiptLookupDelayMs: 20,
};

/** Simulated carriers, their pools, a store on the test's Redis prefix, and an engine over them. */
export async function deliveryHarness(options: {
  carriers: { id: string; sim: SimulatorOptions; config?: Partial<CarrierConfig> }[];
  dlrTimeoutMs: number;
  engine?: Partial<DeliveryEngineOptions>;
  /** Runs before a notification is recorded (e.g. a slow webhook). */
  beforeNotify?: (message: Message) => Promise<void>;
  /** Another harness's Redis and prefix: the two are then two instances of otpgw sharing one Redis. */
  redis?: Awaited<ReturnType<typeof testRedis>>;
  /** The planner's attemptEnded and conversionObserved (what live carrier health learns from). */
  attemptEnded?: RoutePlanner["attemptEnded"];
  conversionObserved?: RoutePlanner["conversionObserved"];
  /** Which accounts report conversions (none by default). */
  reportsConversions?: (account: string) => boolean;
  /** Escalation after the carriers: the route's channels, and delivery's collaborator for them. */
  escalation?: { channels: ChannelId[]; deps: EscalationDeps };
  /** Delivery's clock and its error (the gateway's: a RedisClock); default Date.now, none. */
  clock?: DeliveryEngineDeps["clock"];
  clockErrorMs?: DeliveryEngineDeps["clockErrorMs"];
  /** How long the store's deferred writes may wait for a ride (RedisBatch's deferMs; default its DEFER_MS). */
  deferMs?: number;
}) {
  const redis = options.redis ?? (await testRedis());
  const sims = new Map<string, CarrierSimulator>();
  const pools = new Map<string, CarrierPool>();
  const configs = new Map<string, CarrierConfig>();
  for (const c of options.carriers) {
    const sim = new CarrierSimulator({ credentials: [{ systemId: "otpgw", password: "secret" }], ...c.sim });
    await sim.start();
    sims.set(c.id, sim);
    const config = testCarrier({ id: c.id, port: sim.port!, ...c.config });
    configs.set(c.id, config);
    const pool = new CarrierPool({ carrier: config, logger: silentLogger() });
    pool.start();
    pools.set(c.id, pool);
  }
  const store = new MessageStore({
    redis: redis.client,
    prefix: redis.prefix,
    ...(options.deferMs !== undefined && {
      batch: new RedisBatch(redis.client, undefined, { deferMs: options.deferMs, keyPrefix: redis.prefix }),
    }),
    retention: { bodyMs: 0, messageMs: 600_000, idempotencyMs: 600_000, correlationMs: 600_000 },
  });
  const notified: Message[] = [];
  const logger = process.env.OTPGW_TEST_LOG
    ? createLogger({ level: process.env.OTPGW_TEST_LOG })
    : silentLogger();
  const engine = new DeliveryEngine({
    store,
    // As the daemon: attempts ended here withdraw parts another harness on the same Redis still queues.
    attemptWithdrawals: new AttemptWithdrawals(redis.client, redis.prefix, logger),
    planner: {
      ...orderedPlanner(
        options.carriers.map((c) => c.id),
        options.dlrTimeoutMs,
        options.escalation?.channels,
      ),
      ...(options.attemptEnded && { attemptEnded: options.attemptEnded }),
      ...(options.conversionObserved && { conversionObserved: options.conversionObserved }),
    },
    ...(options.reportsConversions && { reportsConversions: options.reportsConversions }),
    ...(options.escalation && { escalation: options.escalation.deps }),
    ...(options.clock && { clock: options.clock }),
    ...(options.clockErrorMs && { clockErrorMs: options.clockErrorMs }),
    pools,
    carriers: configs,
    logger,
    options: { ...FAST, ...options.engine },
    notify: async (message) => {
      await options.beforeNotify?.(message);
      notified.push(message);
    },
  });
  engine.start();
  onTestFinished(async () => {
    await engine.close(1000);
    for (const pool of pools.values()) await pool.close(500);
    for (const sim of sims.values()) await sim.stop();
  });
  const newMessage = (i: number, overrides: Partial<NewMessage> = {}): NewMessage => ({
    account: "acme",
    to: `+62811${String(i).padStart(7, "0")}`,
    from: "ACME",
    country: "ID",
    text: `Your code is ${String(100000 + i)}`,
    parts: 1,
    validitySeconds: 60,
    receiptVia: "webhook",
    callbackUrl: "http://127.0.0.1:9/hook",
    ...overrides,
  });
  return { redis, sims, pools, store, engine, notified, newMessage };
}
