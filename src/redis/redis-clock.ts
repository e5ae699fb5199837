import type { Redis } from "ioredis";
import { LogThrottle } from "../observability/log-throttle.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { monotonicEpochNow } from "../smpp/session/monotonic-clock.js";
import { ClockOffset } from "./clock-offset.js";

/** Round trips read back to back at start: the first estimate is the narrowest of them, not one noisy answer. */
const START_SAMPLES = 5;
/**
 * How often Redis's TIME is read again: keeps the estimate fresh against drift, and over the sample window
 * (clock-offset.ts, 30 s) gives it a few dozen round trips to find a quiet one in. One tiny command a second.
 */
export const CLOCK_SAMPLE_MS = 1_000;
/** Beyond this, this host's clock is far enough from Redis's that an operator should look at its NTP. */
export const CLOCK_OFFSET_WARN_MS = 1_000;
/** At most one warning about a far clock per this (the gauge shows it all the time). */
const OFFSET_WARN_EVERY_MS = 600_000;
/** At most one warning about a step per this: a clock flapping (or slewed past STEP_DRIFT) does not flood the log. */
const STEP_WARN_EVERY_MS = 60_000;

export interface RedisClockOptions {
  /** Where TIME is read. Without it the clock learns only from `observe` (a caller reading Redis's time anyway). */
  redis?: Redis;
  /**
   * The local clock the offset is added to (ms since the epoch). Default: the process's monotonic clock, so a step of
   * the host's clock changes nothing between two samples. Tests inject a skewed one.
   */
  local?: () => number;
  /** This host's wall clock: what the offset gauge and warning compare Redis's with. Default Date.now. */
  wall?: () => number;
  logger?: Logger;
  metrics?: Pick<Metrics, "clockOffset">;
  /** Default CLOCK_SAMPLE_MS. */
  sampleMs?: number;
}

/**
 * Redis's clock as seen from this process: the time every instance sharing the Redis agrees on (DESIGN "Scale": any
 * instance can finish any message, so a deadline one instance writes is judged by another). `now()` is the local
 * clock plus an offset to Redis's TIME, estimated from round trips (clock-offset.ts: the narrowest recent one), off
 * by at most `errorMs()` — half a quiet round trip, well under a millisecond on a LAN. Redis's own scripts (bind
 * slots, control store, receipts) read TIME directly; this serves what is computed in the process.
 *
 * `now()` never goes back: a new estimate lower than the last makes the clock stand still until it catches up (a
 * few ms at most from sample noise or an NTP slew), so a time compared with one written a moment earlier keeps its
 * order. A sample contradicting the earlier ones beyond any slew (a clock stepped, or a failover to a Redis on another
 * host) is followed at once, back too.
 * While Redis is unreachable the last offset stays.
 */
export class RedisClock {
  readonly local: () => number;
  private readonly wall: () => number;
  private readonly options: RedisClockOptions;
  private readonly estimator = new ClockOffset();
  private offsetMs = 0;
  /** The latest value `now()` returned. */
  private last = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private readonly farLog = new LogThrottle(OFFSET_WARN_EVERY_MS);
  private readonly stepLog = new LogThrottle(STEP_WARN_EVERY_MS);

  constructor(options: RedisClockOptions = {}) {
    this.options = options;
    this.local = options.local ?? monotonicEpochNow;
    this.wall = options.wall ?? Date.now;
  }

  /** Redis's time now (ms since the epoch, whole), as far as this process can tell. Never less than before. */
  now(): number {
    const t = Math.floor(this.local() + this.offsetMs);
    if (t > this.last) this.last = t;
    return this.last;
  }

  /** How far `now()` may be from Redis's clock (ms): half the chosen round trip plus drift since; 0 before any. */
  errorMs(): number {
    return this.estimator.estimate(this.local())?.errorMs ?? 0;
  }

  /** Redis's clock minus this host's wall clock (ms), as estimated now: what the gauge shows. */
  wallOffsetMs(): number {
    return this.local() + this.offsetMs - this.wall();
  }

  /**
   * Takes one round trip that read Redis's time: sent and answered at `sent` and `received` on `local`, Redis's time
   * `redisAt` (ms), precise to `resolutionMs` (1 when truncated to the ms, as Lua scripts return it).
   */
  observe(sent: number, redisAt: number, received: number, resolutionMs: number): void {
    const before = this.offsetMs;
    const first = this.estimator.estimate(received) === undefined;
    const { stepped } = this.estimator.observe(sent, redisAt, received, resolutionMs);
    const estimate = this.estimator.estimate(received);
    if (!estimate) return;
    this.offsetMs = estimate.offsetMs;
    // Times read before the first answer were the local clock's alone (a component built before start): not held to.
    if (first) this.last = -Infinity;
    if (stepped) {
      // A real discontinuity, not noise nor a slew (clock-offset.ts, STEP_DRIFT): standing still until the old clock's
      // time came back would stall delivery.
      this.last = -Infinity;
      if (this.options.logger)
        this.stepLog.warn(
          this.options.logger,
          "",
          { changeMs: Math.round(this.offsetMs - before) },
          "Redis's clock and this host's moved apart at a stroke (a clock stepped, or a failover to another Redis host): following Redis's",
        );
    }
    const wallOffsetMs = this.wallOffsetMs();
    this.options.metrics?.clockOffset.set(wallOffsetMs / 1000);
    if (Math.abs(wallOffsetMs) > CLOCK_OFFSET_WARN_MS && this.options.logger)
      this.farLog.warn(
        this.options.logger,
        "",
        { offsetMs: Math.round(wallOffsetMs) },
        "this host's clock is more than a second off Redis's (offsetMs: Redis's minus this host's): check NTP on both; otpgw times delivery by Redis's clock meanwhile",
      );
  }

  /** One TIME round trip now (one at a time: a call while one is under way shares it); rejects when Redis fails. */
  sync(): Promise<void> {
    this.syncing ??= this.readTime().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  /** The first estimate (throws when Redis cannot answer: start-up fails), then a round trip every `sampleMs`. */
  async start(): Promise<void> {
    for (let i = 0; i < START_SAMPLES; i++) await this.sync();
    this.timer = setInterval(() => {
      // Redis unreachable: the last offset stays; the connection's own handler logs the outage.
      this.sync().catch(() => undefined);
    }, this.options.sampleMs ?? CLOCK_SAMPLE_MS);
    this.timer.unref();
  }

  /**
   * Stops sampling; idempotent, and done at once. `now()` goes on with the last offset. A round trip in flight is not
   * waited for: on a connection gone silent it could hold shutdown for minutes (every close() has a deadline), and
   * its answer, if it comes, only refines the offset.
   */
  close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    return Promise.resolve();
  }

  private async readTime(): Promise<void> {
    const redis = this.options.redis;
    if (!redis) return;
    const sent = this.local();
    // [seconds, microseconds] (ioredis answers them as strings despite its number[] type).
    const [seconds, micros] = (await redis.time()) as unknown as [string, string];
    const received = this.local();
    this.observe(sent, Number(seconds) * 1000 + Number(micros) / 1000, received, 0.001);
  }
}
