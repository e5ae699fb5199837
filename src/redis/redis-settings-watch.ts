/**
 * Keeps checking Redis's settings while the daemon runs (every `intervalMs`, and each time the connection is
 * ready again after a loss: a failover may have put another server behind the same address). Start-up refuses
 * to run on unsuitable settings (src/gateway.ts); at run time the daemon keeps serving — every instance stopping
 * at once for a setting would be an outage of its own — and says so: the gauge `otpgw_redis_settings_problems`
 * for alerting, and a log line each time the findings change (not every minute while they stay the same).
 */
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { ErrorCodes, OtpgwError } from "../errors.js";
import type { Metrics } from "../observability/metrics.js";
import { checkRedis, maskUrl, type RedisCheck, type RedisExpectations } from "./redis-preflight.js";

export interface RedisSettingsWatchOptions {
  redis: Redis;
  logger: Logger;
  intervalMs: number;
  /** What the daemon's settings ask of the server (checked each time too). */
  expect?: RedisExpectations;
  /** Told of every check's result (the gauge). */
  onCheck: (check: RedisCheck) => void;
}

/** Findings as compared between checks: a change is logged, the same findings again are not. */
function findings(check: Pick<RedisCheck, "problems" | "warnings">): string {
  return JSON.stringify([check.problems, check.warnings]);
}

/** Nothing found: what a check is compared with before the first (so a clean start logs nothing). */
const NOTHING = findings({ problems: [], warnings: [] });

export class RedisSettingsWatch {
  private timer: NodeJS.Timeout | undefined;
  private lastFindings = NOTHING;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly onReady = (): void => void this.check();

  constructor(private readonly options: RedisSettingsWatchOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.options.intervalMs);
    this.timer.unref();
    this.options.redis.on("ready", this.onReady);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.options.redis.off("ready", this.onReady);
  }

  /** One check now (skipped while Redis is unreachable, or while one is running); resolves when done. */
  check(): Promise<void> {
    if (this.stopped || this.options.redis.status !== "ready") return Promise.resolve();
    this.running ??= checkRedis(this.options.redis, this.options.expect)
      .then((result) => this.observe(result))
      .catch(() => undefined) // the connection went away mid-check: the next one will tell
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /** Takes a check's result (the start-up check's too): tells `onCheck`, and logs the findings if they changed. */
  observe(check: RedisCheck): void {
    if (this.stopped) return;
    this.options.onCheck(check);
    const now = findings(check);
    if (now === this.lastFindings) return;
    this.lastFindings = now;
    const { logger } = this.options;
    if (check.problems.length > 0) {
      logger.error(
        { problems: check.problems, redis: check.facts },
        "Redis settings can lose acknowledged messages or refuse every write: fix them (otpgw keeps serving)",
      );
    }
    if (check.warnings.length > 0)
      logger.warn({ warnings: check.warnings }, "Redis settings weaken durability");
    if (check.problems.length === 0 && check.warnings.length === 0) logger.info("Redis settings fine again");
  }
}

/**
 * Start-up's check and the watch after it: refuses to run on a Redis that could lose acknowledged messages or
 * refuses writes (redis-preflight.ts), says what weakens durability, then keeps checking (the gauges, and a log line
 * when the findings change). Returns the running watch (stop it on shutdown).
 * @throws OtpgwError REDIS_UNSUITABLE naming the problems.
 */
export async function startRedisSettingsWatch(options: {
  redis: Redis;
  url: string;
  waitReplicas: number;
  logger: Logger;
  metrics: Pick<Metrics, "redisSettingsProblems" | "redisReplicasInSync" | "redisWaitReplicas">;
  intervalMs: number;
}): Promise<RedisSettingsWatch> {
  const { redis, logger, metrics } = options;
  const expect = { waitReplicas: options.waitReplicas };
  const check = await checkRedis(redis, expect);
  if (check.problems.length > 0) {
    throw new OtpgwError(
      ErrorCodes.REDIS_UNSUITABLE,
      `Redis at ${maskUrl(options.url)} is not suitable: ${check.problems.join("; ")}`,
    );
  }
  logger.info({ redis: check.facts }, "redis checked");
  const watch = new RedisSettingsWatch({
    redis,
    logger,
    intervalMs: options.intervalMs,
    expect,
    onCheck: (latest) => {
      metrics.redisSettingsProblems.set(latest.problems.length);
      metrics.redisReplicasInSync.set(latest.facts.replicasInSync);
    },
  });
  metrics.redisWaitReplicas.set(options.waitReplicas);
  watch.observe(check); // the gauges, and the warnings logged once
  watch.start();
  return watch;
}
