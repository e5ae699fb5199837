/**
 * The pumping guard's shell (the judging is pumping-guard.ts): it hears of deliveries and conversions from delivery,
 * leaves a mark in Redis for each conversion of an account with a guard (`<prefix>pg:cv:<message id>`, read back by
 * whichever instance judges the delivery), judges every second, and blocks a range the way an operator would —
 * `range:<account>:<prefix>` in the carriers' override store, which every instance applies within a second and
 * `otpgw ranges list` / `unblock` show and lift — by "pumping-guard", with the evidence as its reason.
 */
import type { Redis } from "ioredis";
import type { ConversionListener } from "../delivery/processor-types.js";
import type { Message } from "../delivery/types.js";
import { LogThrottle } from "../observability/log-throttle.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { AccountControls } from "./account-controls.js";
import { rangeControlId, writeControl } from "./control-store.js";
import { PumpingGuard, type PumpingEvidence, type PumpingGuardSpec } from "./pumping-guard.js";

/** Who the guard's blocks are by, in lists and logs. */
export const GUARD_NAME = "pumping-guard";
const JUDGE_EVERY_MS = 1_000;
const PRUNE_EVERY_MS = 60_000;
/** While Redis is unreachable each judging pass and each conversion fails: a line per kind this often. */
const FAILED_LOG_MS = 60_000;

export interface PumpingGuardServiceOptions {
  redis: Redis;
  prefix: string;
  /** The account's guard now (accounts.yaml may be reloaded). */
  spec: (account: string) => PumpingGuardSpec | undefined;
  controls: Pick<AccountControls, "blockedRange">;
  logger: Logger;
  metrics?: Metrics;
  clock?: () => number;
  /** Default 1 s; tests judge more often. */
  judgeEveryMs?: number;
}

/** How a block reads in `otpgw ranges list` and the log: what was counted, against what. */
export function guardReason(e: PumpingEvidence): string {
  const percent = (share: number) => `${Math.round(share * 100)} %`;
  return (
    `${e.converted} of ${e.delivered} delivered codes used (${percent(e.converted / e.delivered)}) ` +
    `where the account's are ${percent(e.accountShare)}: suspected SMS pumping`
  );
}

export class PumpingGuardService implements ConversionListener {
  private readonly options: PumpingGuardServiceOptions;
  readonly guard: PumpingGuard;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly failedLog = new LogThrottle(FAILED_LOG_MS);

  constructor(options: PumpingGuardServiceOptions) {
    this.options = options;
    this.guard = new PumpingGuard({
      spec: options.spec,
      isConverted: async (ids) =>
        (await options.redis.mget(...ids.map((id) => this.markKey(id)))).map((v) => v !== null),
      blocked: (account, range) => options.controls.blockedRange(account, range) !== undefined,
      block: (evidence) => this.block(evidence),
      ...(options.clock && { clock: options.clock }),
    });
  }

  private markKey(id: string): string {
    return `${this.options.prefix}pg:cv:${id}`;
  }

  delivered(message: Message): void {
    this.guard.delivered(message.id, message.account, message.to);
  }

  converted(message: Message): void {
    const spec = this.options.spec(message.account);
    if (!spec) return;
    // Lives until the delivery is judged, whatever instance counted it: the delivery may have been recorded with a
    // longer wait than the account's now (accounts.yaml reloaded), and judging may run behind.
    const ttlMs = this.guard.markLifetimeMs(spec.conversionWaitSeconds);
    this.options.redis
      .set(this.markKey(message.id), "1", "PX", ttlMs)
      .catch((error: unknown) =>
        this.failedLog.warn(
          this.options.logger,
          "mark",
          { account: message.account, messageId: message.id, err: (error as Error).message },
          "conversion not marked for the pumping guard (Redis?): its delivery will count as not used (this line at most once a minute)",
        ),
      );
  }

  start(): void {
    const judge = setInterval(() => {
      this.guard
        .judge()
        .catch((error: unknown) =>
          this.failedLog.warn(
            this.options.logger,
            "judge",
            { err: (error as Error).message },
            "pumping guard: conversions not read (Redis?): judged at a later pass (this line at most once a minute)",
          ),
        );
    }, this.options.judgeEveryMs ?? JUDGE_EVERY_MS);
    const prune = setInterval(() => this.guard.prune(), PRUNE_EVERY_MS);
    judge.unref();
    prune.unref();
    this.timers.push(judge, prune);
  }

  /** Stops judging; idempotent. Deliveries not judged yet are let go (another start judges its own). */
  close(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
  }

  private block(evidence: PumpingEvidence): void {
    const { logger, metrics } = this.options;
    const reason = guardReason(evidence);
    const id = rangeControlId(evidence.account, evidence.range);
    const change = {
      op: "set",
      kind: "drain",
      by: GUARD_NAME,
      reason,
      forMs: evidence.blockSeconds * 1000,
    } as const;
    const fields = {
      account: evidence.account,
      range: evidence.range,
      blockSeconds: evidence.blockSeconds,
      reason,
    };
    writeControl(this.options.redis, this.options.prefix, id, change).then(
      () => {
        metrics?.pumpingGuardBlocks.inc({ account: evidence.account });
        logger.warn(
          fields,
          "pumping guard blocked a range of the account: its delivered codes are not used (otpgw ranges list shows it, otpgw ranges unblock lifts it)",
        );
      },
      (error: unknown) =>
        logger.error(
          { ...fields, err: (error as Error).message },
          "pumping guard could not block a range (Redis?): it is judged again after more deliveries",
        ),
    );
  }
}
