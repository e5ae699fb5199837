/**
 * The pumping-guard figures of the demo's summary: the evidence (the walk's deliveries and codes used against the
 * account's other deliveries, as GET /v1/messages/:id shows them), the block otpgw made (its log line and its
 * counter) and how long after the attack's first submit, the second wave's answers — and the checks: exactly one
 * block, of the walk's range; every submit of the second wave refused with 422 OTPGW_ERR_HTTP_RANGE_BLOCKED;
 * otpgw's count of blocked-range refusals no more than the second wave's (no OTP of the normal traffic refused by
 * the block). Pure: rendering is in guard-render.ts.
 */
import { ErrorCodes } from "../../src/errors.js";
import type { MessageView } from "../../src/north/message-view.js";
import { LIMITED_METRIC } from "./abuse-metrics.js";
import {
  GUARD_BLOCKS_METRIC,
  type GuardBlockLine,
  type GuardBlockLines,
  type GuardMetrics,
} from "./guard-observe.js";
import type { GuardPlan } from "./guard-plan.js";
import type { GuardWaveResult } from "./guard-wave.js";
import type { RefusedOtp, SentOtp } from "./load-sender.js";

export interface GuardInput {
  plan: GuardPlan;
  account: string;
  /** The guard's turn (guard-wave.ts); undefined when the run cannot show it (`plan.shown` false). */
  run: GuardWaveResult | undefined;
  /** otpgw's figures at the end of the run. */
  metrics: GuardMetrics;
  blockLines: GuardBlockLines;
  /** The first sending (normal traffic and attack); the second wave is in `run`. */
  accepted: SentOtp[];
  refused: RefusedOtp[];
  views: Map<string, MessageView>;
}

/** One wave of the walk: its submits and what they were answered. */
export interface WaveFigures {
  submits: number;
  accepted: number;
  refused: number;
  /** The refusals by answer ("422 OTPGW_ERR_HTTP_RANGE_BLOCKED"), most frequent first. */
  answers: { answer: string; count: number }[];
  /** The words of the first refusal, without the field. */
  message: string | undefined;
}

export interface GuardFigures {
  plan: GuardPlan;
  account: string;
  /** The walk's messages that got through: delivered (what the guard judges), codes used. */
  walk: { accepted: number; deliveredCount: number; converted: number };
  /** The account's other messages delivered, and those whose code was used. */
  others: { deliveredCount: number; converted: number };
  /** The guard's block of the walk's range, as logged; undefined when there is none. */
  block: GuardBlockLine | undefined;
  /** From the attack's first submit to the block (its log line, else when the demo saw it in force). */
  afterMs: number | undefined;
  run: GuardWaveResult | undefined;
  first: WaveFigures;
  second: WaveFigures | undefined;
  /** otpgw's figures at the end; undefined when unreadable (the error is among the failures). */
  counted: { blocks: number; blockedRangeRefusals: number } | undefined;
  failures: string[];
}

export const BLOCKED_ANSWER = `422 ${ErrorCodes.HTTP_RANGE_BLOCKED}`;

function waveFigures(accepted: SentOtp[], refused: RefusedOtp[]): WaveFigures {
  const answers = new Map<string, number>();
  for (const r of refused)
    answers.set(`${r.status} ${r.code}`, (answers.get(`${r.status} ${r.code}`) ?? 0) + 1);
  return {
    submits: accepted.length + refused.length,
    accepted: accepted.length,
    refused: refused.length,
    answers: [...answers].map(([answer, count]) => ({ answer, count })).sort((a, b) => b.count - a.count),
    message: refused[0]?.message.replace(/ \(to\)$/, ""),
  };
}

/** Whether the message was delivered, by SMS or an escalation channel (what the guard judges). */
function isDelivered(view: MessageView | undefined): boolean {
  return view?.state === "delivered";
}

function deliveries(
  sent: SentOtp[],
  views: Map<string, MessageView>,
): { deliveredCount: number; converted: number } {
  const delivered = sent.map((s) => views.get(s.id)).filter((v) => isDelivered(v));
  return { deliveredCount: delivered.length, converted: delivered.filter((v) => v?.converted_at).length };
}

function blockFailures(input: GuardInput, figures: GuardFigures): string[] {
  const { plan, account, run } = input;
  const failures: string[] = [];
  if (run?.seenAt === undefined)
    failures.push(
      `pumping guard: no block of ${plan.rangeText} in force within ${Math.round((run?.timeoutMs ?? 0) / 1000)} s ` +
        "of the last submit",
    );
  if (figures.counted && figures.counted.blocks !== 1)
    failures.push(
      `${GUARD_BLOCKS_METRIC}{account="${account}"} is ${figures.counted.blocks}: exactly one block (the walk's range) expected`,
    );
  if ("error" in input.blockLines)
    failures.push(`the pumping guard's block not read from otpgw's log: ${input.blockLines.error}`);
  else {
    const ranges = input.blockLines.lines.filter((l) => l.account === account).map((l) => l.range);
    if (ranges.length !== 1 || ranges[0] !== plan.range)
      failures.push(
        `otpgw's log names ${ranges.length} pumping-guard blocks (${ranges.join(", ") || "none"}): exactly one, of ` +
          `${plan.range}, expected`,
      );
  }
  const second = figures.second;
  if (second) {
    const right = second.answers.find((a) => a.answer === BLOCKED_ANSWER)?.count ?? 0;
    if (right !== plan.wave.length) {
      const other = second.answers
        .filter((a) => a.answer !== BLOCKED_ANSWER)
        .map((a) => `${a.count} × ${a.answer}`);
      if (second.accepted > 0) other.unshift(`${second.accepted} accepted`);
      failures.push(
        `second wave: ${right} of ${plan.wave.length} submits refused with ${BLOCKED_ANSWER} (${other.join(", ")})`,
      );
    }
  }
  return failures;
}

export function summarizeGuard(input: GuardInput): GuardFigures {
  const { plan, run } = input;
  const walkAccepted = input.accepted.filter((s) => s.otp.attack === "range");
  const walk = { accepted: walkAccepted.length, ...deliveries(walkAccepted, input.views) };
  const others = deliveries(
    input.accepted.filter((s) => s.otp.attack !== "range"),
    input.views,
  );
  const attackSentAt = [...input.accepted, ...input.refused]
    .filter((s) => s.otp.attack !== undefined)
    .map((s) => s.sentAt);
  const firstAttackAt = attackSentAt.length > 0 ? Math.min(...attackSentAt) : undefined;
  const block =
    "lines" in input.blockLines
      ? input.blockLines.lines.find((l) => l.account === input.account && l.range === plan.range)
      : undefined;
  const blockedAt = block?.at ?? run?.seenAt;
  const failures: string[] = [];
  const counted = "error" in input.metrics ? undefined : input.metrics;
  if ("error" in input.metrics)
    failures.push(`otpgw's pumping-guard figures could not be read: ${input.metrics.error}`);
  const figures: GuardFigures = {
    plan,
    account: input.account,
    walk,
    others,
    block,
    afterMs: blockedAt !== undefined && firstAttackAt !== undefined ? blockedAt - firstAttackAt : undefined,
    run,
    first: waveFigures(
      walkAccepted,
      input.refused.filter((r) => r.otp.attack === "range"),
    ),
    second: run ? waveFigures(run.wave.accepted, run.wave.refused) : undefined,
    counted,
    failures,
  };
  if (plan.shown) failures.push(...blockFailures(input, figures));
  if (counted) {
    // Only the second wave may be refused by a blocked range: what else otpgw counted was the normal traffic's.
    const wave = figures.second?.answers.find((a) => a.answer === BLOCKED_ANSWER)?.count ?? 0;
    if (counted.blockedRangeRefusals !== wave)
      failures.push(
        `${LIMITED_METRIC}{account="${input.account}",limit="blocked_range"} is ${counted.blockedRangeRefusals}, ` +
          `the second wave's refusals are ${wave}: other submits were refused by a blocked range`,
      );
  }
  return figures;
}
