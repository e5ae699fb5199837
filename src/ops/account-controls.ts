/**
 * The operators' overrides of accounts, as the daemon applies them to submits: suspensions (`otpgw accounts
 * suspend`, stored as `account:<id>`) and blocked ranges of numbers (`otpgw ranges block`, stored as
 * `range:<account or *>:<prefix>`). ControlWatch reads them from Redis with the carriers' overrides and hands them
 * here; the HTTP API and the SMPP server ask `suspended` and `blockedRange` for every submit, from memory.
 */
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { inForce, type CarrierControl, type OverrideStamp } from "./carrier-controls.js";
import {
  ACCOUNT_CONTROL_PREFIX,
  ALL_ACCOUNTS,
  accountControlId,
  parseRangeControlId,
  rangeControlId,
} from "./control-store.js";

/** Why an override is no longer in force, for the log line (ControlWatch knows who removed what). */
export type LiftedBy = (id: string, stamp: OverrideStamp | undefined) => Record<string, unknown>;

/** The prefixes blocked now for one account scope (an account id, or `*`). */
interface BlockedRanges {
  prefixes: Map<string, OverrideStamp>;
  /** The prefixes' distinct lengths, longest first: a number is looked up once per length. */
  lengths: number[];
}

export class AccountControls {
  /** Suspensions as last read, by account id (whether accounts.yaml has it or not: it may be reloaded). */
  private suspensions = new Map<string, CarrierControl>();
  private readonly suspendedNow = new Set<string>();
  /** Blocked ranges as last read, by store id (`range:<account>:<prefix>`). */
  private ranges = new Map<string, CarrierControl>();
  /** The ranges blocked now, by account scope; empty when none (the common case: one size check per submit). */
  private blockedNow = new Map<string, BlockedRanges>();
  /** Whether `take` brought ranges not yet applied; else the maps change only when a block's end passes. */
  private rangesTaken = false;
  /** The earliest end of a block in force (Redis's clock, ms); Infinity when none ends. */
  private nextRangeEnd = Infinity;

  constructor(private readonly options: { logger: Logger; metrics?: Metrics }) {}

  /** Takes the accounts' overrides out of everything read from the store. */
  take(controls: ReadonlyMap<string, CarrierControl>): void {
    const suspensions = new Map<string, CarrierControl>();
    const ranges = new Map<string, CarrierControl>();
    for (const [id, control] of controls) {
      if (id.startsWith(ACCOUNT_CONTROL_PREFIX))
        suspensions.set(id.slice(ACCOUNT_CONTROL_PREFIX.length), control);
      else if (parseRangeControlId(id)) ranges.set(id, control);
    }
    this.suspensions = suspensions;
    this.ranges = ranges;
    this.rangesTaken = true;
  }

  /** Whether an operator suspended the account: its submits are refused. */
  suspended(account: string): boolean {
    return this.suspendedNow.size > 0 && this.suspendedNow.has(account);
  }

  /** The blocked prefix `e164` starts with, for this account or for all; undefined when none does. */
  blockedRange(account: string, e164: string): string | undefined {
    if (this.blockedNow.size === 0) return undefined;
    return this.matchIn(account, e164) ?? this.matchIn(ALL_ACCOUNTS, e164);
  }

  private matchIn(scope: string, e164: string): string | undefined {
    const blocked = this.blockedNow.get(scope);
    if (!blocked) return undefined;
    for (const length of blocked.lengths) {
      const prefix = e164.slice(0, length);
      if (blocked.prefixes.has(prefix)) return prefix;
    }
    return undefined;
  }

  /** Applies what was read at `now` (Redis's clock): suspensions and blocks in force, each change logged. */
  refresh(now: number, liftedBy: LiftedBy): void {
    this.refreshSuspensions(now, liftedBy);
    this.refreshRanges(now, liftedBy);
  }

  private refreshSuspensions(now: number, liftedBy: LiftedBy): void {
    if (this.suspendedNow.size === 0 && this.suspensions.size === 0) return;
    const ids = new Set([...this.suspendedNow, ...this.suspensions.keys()]);
    for (const id of ids) {
      const stamp = this.suspensions.get(id)?.drain;
      const suspended = inForce(stamp, now);
      if (suspended === this.suspendedNow.has(id)) continue;
      if (suspended) this.suspendedNow.add(id);
      else this.suspendedNow.delete(id);
      this.options.metrics?.accountSuspended.set({ account: id }, suspended ? 1 : 0);
      if (suspended)
        this.options.logger.warn(
          { account: id, change: "suspended", ...stampFields(stamp) },
          "account suspended by an operator: its submits are refused (lookups, conversions and receipts go on)",
        );
      else
        this.options.logger.info(
          { account: id, change: "resumed", ...liftedBy(accountControlId(id), stamp) },
          "account suspension lifted: its submits are accepted again",
        );
    }
  }

  private refreshRanges(now: number, liftedBy: LiftedBy): void {
    // Polled every 250 ms: rebuild only when Redis was read again or a block's end has passed.
    if (!this.rangesTaken && now < this.nextRangeEnd) return;
    this.rangesTaken = false;
    this.nextRangeEnd = Infinity;
    if (this.blockedNow.size === 0 && this.ranges.size === 0) return;
    const next = new Map<string, BlockedRanges>();
    for (const [id, control] of this.ranges) {
      const range = parseRangeControlId(id)!;
      if (!inForce(control.drain, now)) continue;
      if (control.drain.until !== undefined)
        this.nextRangeEnd = Math.min(this.nextRangeEnd, control.drain.until);
      let scope = next.get(range.account);
      if (!scope) next.set(range.account, (scope = { prefixes: new Map(), lengths: [] }));
      scope.prefixes.set(range.prefix, control.drain);
    }
    for (const scope of next.values())
      scope.lengths = [...new Set([...scope.prefixes.keys()].map((p) => p.length))].sort((a, b) => b - a);
    for (const account of new Set([...this.blockedNow.keys(), ...next.keys()])) {
      const before = this.blockedNow.get(account)?.prefixes ?? new Map<string, OverrideStamp>();
      const after = next.get(account)?.prefixes ?? new Map<string, OverrideStamp>();
      for (const [prefix, stamp] of after)
        if (!before.has(prefix))
          this.options.logger.warn(
            { account, range: prefix, change: "blocked", ...stampFields(stamp) },
            account === ALL_ACCOUNTS
              ? "numbers of this range blocked by an operator for every account: their submits are refused"
              : "numbers of this range blocked by an operator for the account: its submits to them are refused",
          );
      for (const [prefix, stamp] of before)
        if (!after.has(prefix))
          this.options.logger.info(
            {
              account,
              range: prefix,
              change: "unblocked",
              ...liftedBy(
                rangeControlId(account, prefix),
                this.ranges.get(rangeControlId(account, prefix))?.drain ?? stamp,
              ),
            },
            "range block lifted: submits to its numbers are accepted again",
          );
      this.options.metrics?.rangesBlocked.set({ account }, after.size);
    }
    this.blockedNow = next;
  }
}

export function stampFields(stamp: OverrideStamp | undefined): Record<string, unknown> {
  if (!stamp) return {};
  return {
    by: stamp.by,
    ...(stamp.reason !== undefined && { reason: stamp.reason }),
    ...(stamp.until !== undefined && { until: new Date(stamp.until).toISOString() }),
  };
}
