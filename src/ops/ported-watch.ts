/**
 * Keeps the daemon's ported numbers (src/routing/ported-index.ts) in step with Redis (src/ops/ported-store.ts): read
 * whole at start, then one small read of the version per second. When it changed (`otpgw ported …` on any host), the
 * changes logged since (src/ops/ported-log.ts) are applied to what is held — a `set` or a daily delta costs what it
 * changed, not a re-read of millions — or, after a large or replacing import, a trimmed log or OVERLAY_MAX changes,
 * the whole set is read again, built aside and installed at once. Routing never sees half a change, and keeps the
 * numbers last read while Redis cannot answer.
 */
import type { Redis } from "ioredis";
import { LogThrottle } from "../observability/log-throttle.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { NetworkPlan, PortedLookup } from "../routing/networks.js";
import { PortedIndex, PortedIndexBuilder, PortedWithChanges } from "../routing/ported-index.js";
import { logEnd, readLogSince, type LogPosition } from "./ported-log.js";
import { parsePortedVersion, readPortedVersion, scanPortedNumbers } from "./ported-store.js";

export const PORTED_POLL_MS = 1_000;
/** Changes held beside the index before the whole set is read again (a Map entry is ~100 bytes). */
const OVERLAY_MAX = 200_000;
const FAILED_LOG_MS = 60_000;

export interface PortedWatchOptions {
  redis: Redis;
  prefix: string;
  /** Where the numbers go (the gateway's LiveRouteTable), and the networks they are checked against. */
  routes: { usePorted(ported: PortedLookup): void; readonly current: { readonly networks: NetworkPlan } };
  logger: Logger;
  metrics?: Pick<Metrics, "portedNumbers">;
  pollMs?: number;
}

export class PortedWatch {
  private version: string | null | undefined;
  /** The numbers as last read whole, the changes applied since, and the log's last entry applied. */
  private base = PortedIndex.EMPTY;
  private readonly changes = new Map<string, string | null>();
  /** How many numbers are ported now (the base's, with the changes applied since). */
  private size = 0;
  private logAt: LogPosition | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private readonly failedLog = new LogThrottle(FAILED_LOG_MS);

  constructor(private readonly options: PortedWatchOptions) {}

  /** The first read (throws when Redis cannot answer), then polls until close(). */
  async start(): Promise<void> {
    await this.read();
    this.timer = setInterval(() => void this.pollNow(), this.options.pollMs ?? PORTED_POLL_MS);
    this.timer.unref();
  }

  /** Stops polling; idempotent. The numbers read stay in force. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  /** One poll now (tests); resolves once it is done. A poll still running is waited for instead. */
  pollNow(): Promise<void> {
    this.polling ??= this.poll().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async poll(): Promise<void> {
    try {
      const { redis, prefix } = this.options;
      const version = await readPortedVersion(redis, prefix);
      if (version === this.version) return;
      const log = this.logAt === undefined ? undefined : await readLogSince(redis, prefix, this.logAt);
      if (log?.kind === "changes" && this.changes.size + log.changes.length <= OVERLAY_MAX)
        this.apply(log.changes, log.position, version);
      else await this.read();
    } catch (error) {
      this.failedLog.warn(
        this.options.logger,
        "",
        { err: (error as Error).message },
        "ported numbers not read (Redis unreachable): the last ones read stay in force",
      );
    }
  }

  private async read(): Promise<void> {
    const { redis, prefix, routes, logger, metrics } = this.options;
    const started = performance.now();
    const builder = new PortedIndexBuilder();
    // Before the numbers: a change logged after this entry may be in them or not, and is applied again next.
    const logAt = await logEnd(redis, prefix);
    const version = await scanPortedNumbers(redis, prefix, (e164, mccmnc) => builder.add(e164, mccmnc));
    const { index, skipped } = builder.finish();
    routes.usePorted(index);
    metrics?.portedNumbers.set(index.size);
    this.base = index;
    this.size = index.size;
    this.changes.clear();
    this.logAt = logAt;
    const first = this.version === undefined;
    this.version = version;
    if (first && index.size === 0 && skipped === 0) return;
    const plan = routes.current.networks;
    const counts = index.countsByNetwork();
    const unknown = [...counts.keys()].filter((mccmnc) => plan.get(mccmnc) === undefined);
    logger.info(
      {
        numbers: index.size,
        networks: Object.fromEntries(counts),
        ms: Math.round(performance.now() - started),
        ...changeFields(version),
      },
      "ported numbers loaded: routes matching by network follow them",
    );
    if (unknown.length > 0 || skipped > 0)
      logger.warn(
        { unknown_networks: unknown, skipped },
        "ported numbers name networks the networks file does not have, or are not numbers: those are ignored",
      );
  }

  /** Applies logged changes to the numbers held (in one turn: no lookup sees half of them). */
  private apply(
    changes: ReadonlyArray<[string, string | null]>,
    position: LogPosition,
    version: string | null,
  ): void {
    const started = performance.now();
    const lookup = new PortedWithChanges(this.base, this.changes);
    for (const [e164, mccmnc] of changes) {
      this.size += Number(mccmnc !== null) - Number(lookup.networkOf(e164) !== undefined);
      this.changes.set(e164, mccmnc);
    }
    this.options.routes.usePorted(lookup);
    const size = this.size;
    this.options.metrics?.portedNumbers.set(size);
    this.logAt = position;
    this.version = version;
    this.options.logger.info(
      {
        changed: changes.length,
        numbers: size,
        ms: Math.round(performance.now() - started),
        ...changeFields(version),
      },
      "ported numbers changed: routes matching by network follow them",
    );
  }
}

/** Who made the change and when, for the log line; nothing for a version otpgw did not write. */
function changeFields(version: string | null): { by?: string; changed_at?: string } {
  const change = parsePortedVersion(version);
  return change ? { by: change.by, changed_at: new Date(change.at).toISOString() } : {};
}
