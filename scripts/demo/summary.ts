/**
 * The figures of the demo's summary, computed from what was observed: the simulators' counters, every
 * message as GET /v1/messages/:id shows it, the webhooks the receiver took in, otpgw's conversion counters and its
 * count of anti-abuse refusals, the pumping guard's block and the second wave's answers, the ported numbers' import,
 * routes and first attempts. Pure: rendering is in summary-render.ts.
 */
import type { AttemptView, MessageView } from "../../src/north/message-view.js";
import { summarizeAbuse, type AbuseFigures, type AbuseInput } from "./abuse-summary.js";
import { summarizeConversions, type ConversionFigures, type ConversionInput } from "./conversion-summary.js";
import { summarizeGuard, type GuardFigures, type GuardInput } from "./guard-summary.js";
import {
  endedWhy,
  summarizeEscalation,
  type EscalationFigures,
  type EscalationInput,
} from "./escalation-summary.js";
import type { RefusedOtp, SentOtp } from "./load-sender.js";
import { percentiles, type Percentiles } from "./percentiles.js";
import { summarizePorted, type PortedFigures, type PortedInput } from "./ported-summary.js";
import type { ReceivedFinal, WebhookStats } from "./webhook-receiver.js";

export interface SimCounts {
  /** submit_sm PDUs read (each part, each resubmit after a throttle). */
  submitPdus: number;
  /** Whole messages the carrier took (parts reassembled). */
  messages: number;
  throttled: number;
}

export interface SummaryInput {
  carriers: string[];
  sim: Map<string, SimCounts>;
  /** Every message accepted: the normal traffic's and the pumping attack's. */
  accepted: SentOtp[];
  /** Every submit refused: the attack's are expected (the anti-abuse section), the normal traffic's are not. */
  refused: RefusedOtp[];
  /** GET /v1/messages/:id of every accepted message (missing: the GET failed or answered 404). */
  views: Map<string, MessageView>;
  finals: Map<string, ReceivedFinal>;
  webhooks: WebhookStats;
  /** What the escalation checks need besides the messages: the channel simulators' records, the limits. */
  escalation: Omit<EscalationInput, "accepted" | "views">;
  /** What the conversion figures and checks need besides the messages and receipts: the counters, the reports. */
  conversions: Omit<ConversionInput, "carriers" | "accepted" | "views" | "receipts">;
  /** What the anti-abuse figures and checks need besides the submits: the attack's plan, otpgw's counter. */
  abuse: Omit<AbuseInput, "accepted" | "refused">;
  /** What the pumping guard's figures and checks need besides the submits and messages: its turn, its records. */
  guard: Omit<GuardInput, "accepted" | "refused" | "views">;
  /** What the ported-numbers figures and checks need besides the messages: the plan, the import, the outage. */
  ported: Omit<PortedInput, "accepted" | "views">;
}

export { percentiles, type Percentiles };

export interface CarrierFigures extends SimCounts {
  carrier: string;
  attempts: number;
  /** Final receipt status of each attempt that got one in time (DELIVRD, UNDELIV, ...). */
  receipts: Record<string, number>;
  /** Attempts that ended without a receipt (DLR timeout, or the link dropped with the outcome unknown). */
  noReceipt: number;
  /** Attempts the carrier refused at submit. */
  refusedAtSubmit: number;
  /** Receipts that came after their attempt had ended. */
  lateReceipts: number;
  /** From the attempt's started_at to its ended_at, for attempts that ended with a receipt. */
  receiptLatencyMs: Percentiles;
}

export interface RerouteFigures {
  /** Messages with more than one SMS attempt. */
  messages: number;
  delivered: number;
  /** "a → b" with how the earlier attempt ended, and how many messages took that step. */
  steps: { from: string; to: string; why: string; count: number }[];
}

export interface Summary {
  accepted: number;
  /** The normal traffic's refused OTPs (the attack's are in `abuse`). */
  refused: RefusedOtp[];
  carriers: CarrierFigures[];
  /** Messages per state, as GET shows them (final or not). */
  states: Record<string, number>;
  /** How many messages ended in each state for each final_reason, most frequent first within a state. */
  reasons: { state: string; reason: string; count: number }[];
  notFinal: number;
  /** Accepted messages whose GET failed. */
  unreadable: number;
  reroutes: RerouteFigures;
  webhooks: WebhookStats & {
    /** Accepted messages with no webhook. */
    missing: number;
    /** Webhook state different from the state GET shows. */
    stateMismatch: number;
  };
  /** POST sent → webhook received. */
  endToEndMs: { delivered: Percentiles; all: Percentiles };
  escalation: EscalationFigures;
  conversions: ConversionFigures;
  abuse: AbuseFigures;
  guard: GuardFigures;
  ported: PortedFigures;
}

const FINAL = new Set(["delivered", "undeliverable", "expired", "rejected"]);

function ms(iso: string | null): number | undefined {
  if (iso === null) return undefined;
  const value = Date.parse(iso);
  return Number.isNaN(value) ? undefined : value;
}

function carrierFigures(
  carrier: string,
  sim: SimCounts | undefined,
  attempts: AttemptView[],
): CarrierFigures {
  const receipts: Record<string, number> = {};
  const latencies: number[] = [];
  let noReceipt = 0;
  let refusedAtSubmit = 0;
  let lateReceipts = 0;
  for (const attempt of attempts) {
    lateReceipts += attempt.late_receipts.length;
    if (attempt.outcome === "rejected") refusedAtSubmit++;
    else if (attempt.outcome === "timeout" || attempt.outcome === "unknown") noReceipt++;
    if (attempt.receipt_stat !== null && (attempt.outcome === "delivered" || attempt.outcome === "failed")) {
      receipts[attempt.receipt_stat] = (receipts[attempt.receipt_stat] ?? 0) + 1;
      const started = ms(attempt.started_at);
      const ended = ms(attempt.ended_at);
      if (started !== undefined && ended !== undefined) latencies.push(ended - started);
    }
  }
  return {
    carrier,
    ...(sim ?? { submitPdus: 0, messages: 0, throttled: 0 }),
    attempts: attempts.length,
    receipts,
    noReceipt,
    refusedAtSubmit,
    lateReceipts,
    receiptLatencyMs: percentiles(latencies),
  };
}

function reroutes(views: MessageView[]): RerouteFigures {
  const steps = new Map<string, { from: string; to: string; why: string; count: number }>();
  let messages = 0;
  let delivered = 0;
  for (const view of views) {
    // Between carriers only: the steps to WhatsApp and voice are in the escalation section.
    const attempts = view.attempts.filter((a) => a.channel === "sms");
    if (attempts.length < 2) continue;
    messages++;
    if (view.state === "delivered") delivered++;
    for (let i = 1; i < attempts.length; i++) {
      const before = attempts[i - 1]!;
      const after = attempts[i]!;
      const why = endedWhy(before);
      const key = `${before.carrier}|${after.carrier}|${why}`;
      const step = steps.get(key) ?? { from: before.carrier, to: after.carrier, why, count: 0 };
      step.count++;
      steps.set(key, step);
    }
  }
  return { messages, delivered, steps: [...steps.values()].sort((a, b) => b.count - a.count) };
}

export function summarize(input: SummaryInput): Summary {
  const views = input.accepted
    .map((sent) => input.views.get(sent.id))
    .filter((v): v is MessageView => v !== undefined);
  const attemptsByCarrier = new Map<string, AttemptView[]>(input.carriers.map((c) => [c, []]));
  for (const view of views) {
    // WhatsApp and voice attempts have their own section.
    for (const attempt of view.attempts.filter((a) => a.channel === "sms")) {
      const list = attemptsByCarrier.get(attempt.carrier) ?? [];
      list.push(attempt);
      attemptsByCarrier.set(attempt.carrier, list);
    }
  }
  const states: Record<string, number> = {};
  const reasons = new Map<string, { state: string; reason: string; count: number }>();
  for (const view of views) {
    states[view.state] = (states[view.state] ?? 0) + 1;
    if (!FINAL.has(view.state)) continue;
    const reason = view.final_reason ?? "-";
    const entry = reasons.get(`${view.state}|${reason}`) ?? { state: view.state, reason, count: 0 };
    entry.count++;
    reasons.set(`${view.state}|${reason}`, entry);
  }
  const stateOrder = [...FINAL];

  let missing = 0;
  let stateMismatch = 0;
  const e2eAll: number[] = [];
  const e2eDelivered: number[] = [];
  for (const sent of input.accepted) {
    const final = input.finals.get(sent.id);
    if (!final) {
      missing++;
      continue;
    }
    const view = input.views.get(sent.id);
    if (view && view.state !== final.payload.state) stateMismatch++;
    const latency = final.receivedAt - sent.sentAt;
    e2eAll.push(latency);
    if (final.payload.state === "delivered") e2eDelivered.push(latency);
  }

  const carriers = [...attemptsByCarrier].map(([carrier, attempts]) =>
    carrierFigures(carrier, input.sim.get(carrier), attempts),
  );
  return {
    accepted: input.accepted.length,
    refused: input.refused.filter((r) => r.otp.attack === undefined),
    carriers,
    states,
    reasons: [...reasons.values()].sort(
      (a, b) => stateOrder.indexOf(a.state) - stateOrder.indexOf(b.state) || b.count - a.count,
    ),
    notFinal: views.filter((v) => !FINAL.has(v.state)).length,
    unreadable: input.accepted.length - views.length,
    reroutes: reroutes(views),
    webhooks: { ...input.webhooks, missing, stateMismatch },
    endToEndMs: { delivered: percentiles(e2eDelivered), all: percentiles(e2eAll) },
    escalation: summarizeEscalation({ ...input.escalation, accepted: input.accepted, views: input.views }),
    conversions: summarizeConversions({
      ...input.conversions,
      carriers: input.carriers,
      accepted: input.accepted,
      views: input.views,
      receipts: new Map(carriers.map((c) => [c.carrier, c.receipts])),
    }),
    abuse: summarizeAbuse({ ...input.abuse, accepted: input.accepted, refused: input.refused }),
    guard: summarizeGuard({
      ...input.guard,
      accepted: input.accepted,
      refused: input.refused,
      views: input.views,
    }),
    ported: summarizePorted({ ...input.ported, accepted: input.accepted, views: input.views }),
  };
}

/** A failed promise of the gateway, in words; empty when the run kept every promise. */
export function failedChecks(summary: Summary): string[] {
  const failures: string[] = [];
  const finals = summary.accepted - summary.notFinal - summary.unreadable;
  if (finals !== summary.accepted)
    failures.push(`${summary.accepted - finals} accepted messages did not reach a final state`);
  if (summary.webhooks.missing > 0) failures.push(`${summary.webhooks.missing} messages got no webhook`);
  if (summary.webhooks.duplicates > 0) failures.push(`${summary.webhooks.duplicates} duplicate webhooks`);
  if (summary.webhooks.badSignatures > 0)
    failures.push(`${summary.webhooks.badSignatures} webhooks with a bad signature`);
  if (summary.webhooks.malformed > 0) failures.push(`${summary.webhooks.malformed} malformed webhooks`);
  if (summary.webhooks.stateMismatch > 0)
    failures.push(`${summary.webhooks.stateMismatch} webhooks disagree with GET /v1/messages/:id`);
  if (summary.refused.length > 0)
    failures.push(`${summary.refused.length} OTPs of the normal traffic were refused at submit`);
  failures.push(...summary.escalation.failures);
  failures.push(...summary.conversions.failures);
  failures.push(...summary.abuse.failures);
  failures.push(...summary.guard.failures);
  failures.push(...summary.ported.failures);
  return failures;
}
