/**
 * The anti-abuse figures of the demo's summary: per limit, what the pumping attack sent at it, what the sender was
 * answered, and what otpgw counted (`otpgw_submits_limited_total`) — and the checks: every attack submit beyond a
 * limit refused with that limit's answer and no more let through, the counter agreeing with the refusals the sender
 * saw, and the normal traffic never refused by a limit. Pure: rendering is in abuse-render.ts.
 */
import { ErrorCodes } from "../../src/errors.js";
import { LIMITED_METRIC, type LimitedMetrics } from "./abuse-metrics.js";
import type { RefusedOtp, SentOtp } from "./load-sender.js";
import type { AttackPart } from "./pumping-attack.js";
import type { AbuseLimit } from "./traffic-mix.js";

export interface AbuseInput {
  /** What each part of the attack must come to (pumping-attack.ts). */
  parts: AttackPart[];
  /** The volume limits' windows: a refusal's Retry-After is at most this. */
  windowSeconds: Record<Exclude<AbuseLimit, "country">, number>;
  accepted: SentOtp[];
  refused: RefusedOtp[];
  metrics: LimitedMetrics;
}

export interface AbuseRow extends AttackPart {
  accepted: number;
  refused: number;
  /** The refusals by answer ("429 OTPGW_ERR_HTTP_VOLUME_LIMITED"), most frequent first. */
  answers: { answer: string; count: number }[];
  /** otpgw_submits_limited_total{limit}; undefined when /metrics could not be read. */
  counted: number | undefined;
  /** Smallest and largest Retry-After of the refusals (seconds); undefined when none had one. */
  retryAfter: { min: number; max: number } | undefined;
}

export interface AbuseFigures {
  rows: AbuseRow[];
  /** The normal traffic's submits, and those of them an anti-abuse limit refused (must be none). */
  normal: { submits: number; refusedByLimits: number };
  metricsError: string | undefined;
  failures: string[];
}

/** The codes of the anti-abuse refusals, a blocked range's included (docs/http-api.md, "Anti-abuse limits"). */
const LIMIT_CODES = new Set<string>([
  ErrorCodes.HTTP_COUNTRY_NOT_ALLOWED,
  ErrorCodes.HTTP_VOLUME_LIMITED,
  ErrorCodes.HTTP_RANGE_BLOCKED,
]);

function answerOf(refusal: RefusedOtp): string {
  return `${refusal.status} ${refusal.code}`;
}

function row(part: AttackPart, input: AbuseInput): AbuseRow {
  const mine = (otp: { attack?: AbuseLimit }) => otp.attack === part.limit;
  const refused = input.refused.filter((r) => mine(r.otp));
  const answers = new Map<string, number>();
  for (const r of refused) answers.set(answerOf(r), (answers.get(answerOf(r)) ?? 0) + 1);
  const retryAfters = refused.flatMap((r) =>
    r.retryAfterSeconds === undefined ? [] : [r.retryAfterSeconds],
  );
  return {
    ...part,
    accepted: input.accepted.filter((s) => mine(s.otp)).length,
    refused: refused.length,
    answers: [...answers].map(([answer, count]) => ({ answer, count })).sort((a, b) => b.count - a.count),
    counted: "counts" in input.metrics ? input.metrics.counts[part.limit] : undefined,
    retryAfter:
      retryAfters.length === 0 ? undefined : { min: Math.min(...retryAfters), max: Math.max(...retryAfters) },
  };
}

/** What went wrong with one limit, in words. */
function rowFailures(r: AbuseRow, input: AbuseInput): string[] {
  const failures: string[] = [];
  const expected = `${r.status} ${r.code}`;
  const right = r.answers.find((a) => a.answer === expected)?.count ?? 0;
  const beyond = r.submits - r.allowed;
  if (r.accepted + r.refused !== r.submits)
    failures.push(
      `${r.limit}: ${r.submits - r.accepted - r.refused} of ${r.submits} attack submits got no answer`,
    );
  if (right !== r.refused) {
    const wrong = r.answers.filter((a) => a.answer !== expected).map((a) => `${a.count} × ${a.answer}`);
    failures.push(`${r.limit}: attack submits refused with ${wrong.join(", ")} instead of ${expected}`);
  }
  if (right !== beyond || r.accepted !== r.allowed)
    failures.push(
      `${r.limit}: ${r.accepted} of ${r.submits} attack submits accepted and ${right} refused with ${expected}; ` +
        `the limit should let ${r.allowed} through and refuse ${beyond}`,
    );
  if (r.counted !== undefined && r.counted !== right)
    failures.push(
      `${LIMITED_METRIC}{limit="${r.limit}"} is ${r.counted}, the sender saw ${right} such refusals`,
    );
  if (r.limit !== "country") {
    const window = input.windowSeconds[r.limit];
    const bad = input.refused.filter(
      (x) =>
        x.otp.attack === r.limit &&
        (x.retryAfterSeconds === undefined || x.retryAfterSeconds < 1 || x.retryAfterSeconds > window),
    ).length;
    if (bad > 0)
      failures.push(
        `${r.limit}: ${bad} refusals without a Retry-After within the limit's ${window} s window`,
      );
  }
  return failures;
}

export function summarizeAbuse(input: AbuseInput): AbuseFigures {
  const rows = input.parts.map((part) => row(part, input));
  const normalRefusals = input.refused.filter((r) => r.otp.attack === undefined);
  const refusedByLimits = normalRefusals.filter((r) => LIMIT_CODES.has(r.code)).length;
  const failures = rows.flatMap((r) => rowFailures(r, input));
  if (refusedByLimits > 0)
    failures.push(`${refusedByLimits} OTPs of the normal traffic were refused by an anti-abuse limit`);
  const metricsError = "error" in input.metrics ? input.metrics.error : undefined;
  if (metricsError !== undefined) failures.push(`could not read ${LIMITED_METRIC}: ${metricsError}`);
  return {
    rows,
    normal: {
      submits: input.accepted.filter((s) => s.otp.attack === undefined).length + normalRefusals.length,
      refusedByLimits,
    },
    metricsError,
    failures,
  };
}
