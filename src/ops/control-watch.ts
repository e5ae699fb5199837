import type { Redis } from "ioredis";
import { LogThrottle } from "../observability/log-throttle.js";
import { RedisClock } from "../redis/redis-clock.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { CarrierOverrides } from "../routing/select-carrier.js";
import {
  DEFAULT_WEIGHT_PERCENT,
  NO_OVERRIDE,
  effectiveControl,
  type CarrierControl,
  type EffectiveControl,
  type OverrideStamp,
} from "./carrier-controls.js";
import { AccountControls, stampFields } from "./account-controls.js";
import {
  isAccountScoped,
  parseChannelCountryId,
  parseVersion,
  readControls,
  readVersion,
  type ChangeRecord,
} from "./control-store.js";

/**
 * How often an instance looks at the version key (one small script: the version and Redis's time) and lifts
 * overrides whose end passed: a change reaches every instance within this plus a round trip — well within DESIGN's
 * second.
 */
export const CONTROL_POLL_MS = 250;
/** At most one "Redis unreachable" line per this while polls fail. */
const FAILED_LOG_MS = 10_000;

export interface ControlWatchOptions {
  redis: Redis;
  /** The daemon's Redis key prefix. */
  prefix: string;
  /** The configured carriers: an override of another id is ignored, with a warning. */
  carriers: readonly string[];
  logger: Logger;
  metrics?: Metrics;
  /** Default CONTROL_POLL_MS. */
  pollMs?: number;
  /**
   * Redis's clock as this process sees it, shared with delivery (the gateway's): each poll's answer, which carries
   * Redis's time, is one more round trip for its estimate. Default: one of the watch's own over `clock`.
   */
  redisClock?: RedisClock;
  /** Without `redisClock`: this instance's clock (default Date.now), which the watch's own Redis clock is built on. */
  clock?: () => number;
}

/**
 * The daemon's copy of the operators' carrier overrides (control-store.ts), which routing reads from memory on every
 * decision. Read once at start (before anything is submitted; start-up fails if Redis cannot answer), then polled:
 * the version key, and everything again only when it changed. While Redis is unreachable the last state read stays
 * in force (a throttled warning says so); an override's end is checked at every poll, reachable or not, by Redis's
 * clock: ends are Redis's times, and this host's clock may be minutes off — ahead, a `--for 1m` drain would never
 * apply; behind, it would outlive its end (the key's expiry changes no version, so nothing would be read again). Each
 * answer gives Redis's time, a round trip for the offset to the local clock (RedisClock), kept while Redis does not
 * answer. Each change an instance sees is logged (carrier, what, by, reason) and exported as gauges.
 */
export class ControlWatch implements CarrierOverrides {
  active = false;
  private readonly options: ControlWatchOptions;
  private readonly redisClock: RedisClock;
  private readonly configured: ReadonlySet<string>;
  /** Carriers with an override in force now (routing's lookups). */
  private readonly inForce = new Map<string, EffectiveControl>();
  /** The configured carriers' overrides as last read. */
  private controls = new Map<string, CarrierControl>();
  /** The accounts' overrides: suspensions and blocked ranges, which north asks for every submit. */
  readonly accounts: AccountControls;
  private version: string | undefined;
  private lastChange: ChangeRecord | undefined;
  private warnedUnknown = "";
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private readonly failedLog = new LogThrottle(FAILED_LOG_MS);

  constructor(options: ControlWatchOptions) {
    this.options = options;
    const clock = options.clock ?? Date.now;
    this.redisClock = options.redisClock ?? new RedisClock({ local: clock, wall: clock });
    this.configured = new Set(options.carriers);
    this.accounts = new AccountControls({
      logger: options.logger,
      ...(options.metrics && { metrics: options.metrics }),
    });
  }

  get(carrierId: string): EffectiveControl | undefined {
    return this.inForce.get(carrierId);
  }

  /** What routing applies to `carrierId` now (NO_OVERRIDE when nothing). */
  effective(carrierId: string): EffectiveControl {
    return this.inForce.get(carrierId) ?? NO_OVERRIDE;
  }

  /** The first read (throws when Redis cannot answer), then polls until close(). */
  async start(): Promise<void> {
    for (const id of this.configured) this.gauge(id, NO_OVERRIDE);
    await this.read();
    this.timer = setInterval(() => this.tick(), this.options.pollMs ?? CONTROL_POLL_MS);
    this.timer.unref();
  }

  /** Stops polling; idempotent. The overrides read stay in force for what is still running. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  /** One poll now (tests); resolves once it is done. */
  async pollNow(): Promise<void> {
    this.tick();
    await this.polling;
  }

  /**
   * Refreshes after each poll, with the offset it brought (refreshing before it, a clock stepped since the last poll
   * would lift a drain for one poll); while a poll still waits on Redis, at each tick with the last offset.
   */
  private tick(): void {
    if (this.polling) {
      this.refresh();
      return;
    }
    this.polling = this.poll().finally(() => {
      this.polling = undefined;
      this.refresh();
    });
  }

  private async poll(): Promise<void> {
    try {
      const { version } = await this.timed(() => readVersion(this.options.redis, this.options.prefix));
      if (version !== this.version) await this.read();
    } catch (error) {
      this.failedLog.warn(
        this.options.logger,
        "",
        { err: (error as Error).message },
        "carrier overrides not read (Redis unreachable): the last ones read stay in force",
      );
    }
  }

  private async read(): Promise<void> {
    const { logger } = this.options;
    const snapshot = await this.timed(() => readControls(this.options.redis, this.options.prefix));
    this.accounts.take(snapshot.controls);
    const unknown = [...snapshot.controls.keys()]
      .filter((id) => !this.known(id) && !isAccountScoped(id))
      .sort();
    if (unknown.join() !== this.warnedUnknown) {
      this.warnedUnknown = unknown.join();
      if (unknown.length > 0)
        logger.warn(
          { carriers: unknown },
          "carrier overrides in Redis for carriers not configured here: ignored (otpgw carriers forget <id> removes them)",
        );
    }
    for (const problem of snapshot.problems)
      logger.warn({ problem }, "carrier override in Redis not understood: ignored");
    this.controls = new Map([...snapshot.controls].filter(([id]) => this.known(id)));
    this.version = snapshot.version;
    this.lastChange = parseVersion(snapshot.version);
    this.refresh();
  }

  /** Runs one read of Redis and gives the time it answers with (whole ms) to the Redis clock's estimate. */
  private async timed<T extends { now: number }>(read: () => Promise<T>): Promise<T> {
    const clock = this.redisClock;
    const sent = clock.local();
    const answer = await read();
    clock.observe(sent, answer.now, clock.local(), 1);
    return answer;
  }

  /** A configured carrier or channel, or a configured channel in one country (`whatsapp@ID`). */
  private known(id: string): boolean {
    if (this.configured.has(id)) return true;
    const inCountry = parseChannelCountryId(id);
    return inCountry !== undefined && this.configured.has(inCountry.channel);
  }

  /** Applies what was read, as of now on Redis's clock (an override whose end passed lifts itself). */
  private refresh(): void {
    const now = this.redisClock.now();
    // The configured ids, and those of channels drained in one country (read now, or in force until now).
    const ids =
      this.controls.size > 0 || this.inForce.size > 0
        ? new Set([...this.configured, ...this.controls.keys(), ...this.inForce.keys()])
        : this.configured;
    for (const id of ids) {
      const control = this.controls.get(id);
      const next = effectiveControl(control, now);
      const previous = this.inForce.get(id) ?? NO_OVERRIDE;
      if (next.drained === previous.drained && next.weightPercent === previous.weightPercent) continue;
      if (next === NO_OVERRIDE) this.inForce.delete(id);
      else this.inForce.set(id, next);
      this.gauge(id, next);
      if (next.drained !== previous.drained) this.logDrain(id, next.drained, control?.drain, now);
      if (next.weightPercent !== previous.weightPercent)
        this.logWeight(id, previous.weightPercent, next.weightPercent, control?.weight, now);
    }
    this.active = this.inForce.size > 0;
    this.accounts.refresh(now, (id, stamp) => this.liftedBy(id, "drain", stamp, now));
  }

  private logDrain(id: string, drained: boolean, stamp: OverrideStamp | undefined, now: number): void {
    if (drained) {
      this.options.logger.info(
        { carrier: id, change: "drained", ...stampFields(stamp) },
        "carrier drained by an operator: no new attempts go to it (those in flight finish)",
      );
      return;
    }
    this.options.logger.info(
      { carrier: id, change: "undrained", ...this.liftedBy(id, "drain", stamp, now) },
      "carrier drain lifted: it takes new attempts again",
    );
  }

  private logWeight(
    id: string,
    from: number,
    to: number,
    stamp: OverrideStamp | undefined,
    now: number,
  ): void {
    const set = to !== DEFAULT_WEIGHT_PERCENT;
    this.options.logger.info(
      {
        carrier: id,
        change: "weight",
        weightPercent: to,
        previousPercent: from,
        ...(set ? stampFields(stamp) : this.liftedBy(id, "weight", stamp, now)),
      },
      set
        ? "carrier weight set by an operator (a percentage of its weight in every route)"
        : "carrier weight back to routes.yaml's",
    );
  }

  /** Why an override is gone: it ended, or who removed it (when the version key names that change). */
  private liftedBy(
    id: string,
    kind: "drain" | "weight",
    stamp: OverrideStamp | undefined,
    now: number,
  ): Record<string, unknown> {
    if (stamp?.until !== undefined && stamp.until <= now) return { cause: "expired" };
    const change = this.lastChange;
    return change && change.carrier === id && (change.kind === kind || change.change === "forget")
      ? { cause: "removed", by: change.by }
      : { cause: "removed" };
  }

  private gauge(id: string, control: EffectiveControl): void {
    this.options.metrics?.carrierDrained.set({ carrier: id }, control.drained ? 1 : 0);
    this.options.metrics?.carrierWeightPercent.set({ carrier: id }, control.weightPercent);
  }
}
