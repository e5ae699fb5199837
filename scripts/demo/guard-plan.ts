/**
 * What the account's pumping guard (scenario.ts, DEMO_ACCOUNT.pumpingGuard) must make of the attack's range walk
 * (PUMPING_ATTACK): the range it must block, how many of the walk's messages it judges, and the second wave the
 * block must refuse — derived from the settings, so the checks carry no figures of their own. And whether this run
 * can show it at all: the guard judges no range before the account has ACCOUNT_BASELINE_DELIVERIES judged
 * deliveries, so enough normal OTPs must come before the attack (`--messages` 300 or more).
 */
import { ACCOUNT_BASELINE_DELIVERIES } from "../../src/ops/pumping-guard.js";
import { attackOtp, plus, rangeOf, type AccountLimits, type AttackPlan } from "./pumping-attack.js";
import type { DEMO_ACCOUNT } from "./scenario.js";
import type { DemoOtp } from "./traffic-mix.js";

export type GuardSpec = (typeof DEMO_ACCOUNT)["pumpingGuard"];
export type GuardedAccount = AccountLimits & { pumpingGuard: GuardSpec };

/**
 * Normal OTPs per judged delivery the guard needs for its baseline: a few are not delivered by SMS (escalated).
 * The guard judges a range that reached min_deliveries early once its account has the baseline.
 */
const BASELINE_MARGIN = 1.35;

export interface GuardPlan {
  spec: GuardSpec;
  /** The prefix the guard must block: the walk's numbers without their last range digits ("+6281988880"). */
  range: string;
  /** The same as the anti-abuse section writes ranges: "+6281988880xxx". */
  rangeText: string;
  /** The walk's messages per_range_limit lets through: the deliveries the guard judges. */
  judged: number;
  /** The second wave's numbers: the walk going on where it stopped. */
  wave: string[];
  /** Normal OTPs sent in the run, and how many the guard's baseline needs. */
  normalCount: number;
  normalNeeded: number;
  /** Whether the guard can judge the walk's range in this run (enough normal traffic for its baseline). */
  shown: boolean;
}

/**
 * What the guard must do with `plan` under `account`, with `normalCount` OTPs of normal traffic.
 * @throws when the plan would not test what it says: the walk gets fewer messages through than the guard needs to
 * judge its range or enough for two blocks, or the second wave leaves the range.
 */
export function guardPlan(plan: AttackPlan, account: GuardedAccount, normalCount: number): GuardPlan {
  const spec = account.pumpingGuard;
  const digits = account.perRangeLimit.rangeDigits;
  const { first, count } = plan.rangeWalk;
  const judged = Math.min(count, account.perRangeLimit.messages);
  const wave = Array.from({ length: plan.secondWave.count }, (_, i) => plus(first, count + i));
  const problems: string[] = [];
  if (judged < spec.minDeliveries)
    problems.push(
      `the walk gets ${judged} messages through, the guard judges a range after ${spec.minDeliveries}`,
    );
  // Once blocked, a range's count starts again: the rest of the walk's deliveries must not make a second block.
  if (judged - spec.minDeliveries >= spec.minDeliveries)
    problems.push(
      `${judged} messages of the walk could have its range blocked twice (min_deliveries ${spec.minDeliveries})`,
    );
  const last = wave[wave.length - 1];
  if (last !== undefined && rangeOf(last, digits) !== rangeOf(first, digits))
    problems.push(`the second wave leaves ${rangeOf(first, digits)} (${last})`);
  if (problems.length > 0) throw new Error(`PUMPING_ATTACK / pumpingGuard: ${problems.join("; ")}`);
  const normalNeeded = Math.ceil(ACCOUNT_BASELINE_DELIVERIES * BASELINE_MARGIN);
  return {
    spec,
    range: first.slice(0, first.length - digits),
    rangeText: rangeOf(first, digits),
    judged,
    wave,
    normalCount,
    normalNeeded,
    shown: normalCount >= normalNeeded,
  };
}

/** The second wave's OTPs, numbered from `firstIndex` (their Idempotency-Keys follow the attack's). */
export function buildWave(plan: GuardPlan, firstIndex: number): DemoOtp[] {
  return plan.wave.map((to, i) => attackOtp(to, "range", firstIndex + i, `attack-range-wave-${i}`));
}

/** The start-up banner's line: the settings, and what the run will show of them. */
export function guardBanner(plan: GuardPlan, normalCount: number): string {
  return (
    `pumping_guard: ${describeGuard(plan.spec)}; nobody uses the range walk's codes: ` +
    (plan.shown
      ? `once otpgw blocks ${plan.rangeText}, ${plan.wave.length} more of it are sent`
      : `not shown with --messages ${normalCount} (it needs ${plan.normalNeeded})`)
  );
}

/** "min_deliveries 8, conversion_wait_seconds 2, block_seconds 600": the settings as accounts.yaml has them. */
export function describeGuard(spec: GuardSpec): string {
  return (
    `min_deliveries ${spec.minDeliveries}, conversion_wait_seconds ${spec.conversionWaitSeconds}, ` +
    `block_seconds ${spec.blockSeconds}`
  );
}
