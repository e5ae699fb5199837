/** The demo's summary as text: one table per question, then the checks that decide the exit code. */
import { renderTable } from "../lib/table.js";
import { abuseSection, type AbuseSetup } from "./abuse-render.js";
import { conversionSection } from "./conversion-render.js";
import type { ConversionPlan } from "./conversion-platform.js";
import { escalationSection, type EscalationSetup } from "./escalation-render.js";
import { guardSection } from "./guard-render.js";
import { portedChecks, portedSection } from "./ported-render.js";
import { failedChecks, type Percentiles, type Summary } from "./summary.js";
import { indent } from "./text-wrap.js";

const FINAL_STATE_ROWS = ["delivered", "undeliverable", "expired"];

function round(value: number): number | string {
  return Number.isNaN(value) ? "-" : Math.round(value);
}

function percentLine(label: string, p: Percentiles): string {
  if (p.count === 0) return `${label}: none`;
  return `${label}: p50 ${round(p.p50)} ms, p95 ${round(p.p95)} ms (${p.count} messages)`;
}

function carriersSection(summary: Summary): string {
  const stats = new Set<string>(["DELIVRD", "UNDELIV"]);
  for (const c of summary.carriers) for (const stat of Object.keys(c.receipts)) stats.add(stat);
  const statColumns = [...stats].sort((a, b) =>
    a === "DELIVRD" ? -1 : b === "DELIVRD" ? 1 : a.localeCompare(b),
  );
  const headers = [
    "carrier",
    "submit PDUs",
    "throttled",
    "messages",
    "attempts",
    ...statColumns,
    "no receipt",
    "refused",
    "late receipts",
    "receipt p50 ms",
    "receipt p95 ms",
  ];
  const rows = summary.carriers.map((c) => [
    c.carrier,
    c.submitPdus,
    c.throttled,
    c.messages,
    c.attempts,
    ...statColumns.map((stat) => c.receipts[stat] ?? 0),
    c.noReceipt,
    c.refusedAtSubmit,
    c.lateReceipts,
    round(c.receiptLatencyMs.p50),
    round(c.receiptLatencyMs.p95),
  ]);
  return [
    "Per carrier",
    indent(renderTable(headers, rows)),
    "  submit PDUs, throttled (ESME_RTHROTTLED answers) and messages: the simulators' own counters.",
    "  attempts, receipts by status, no receipt (DLR timeout or link lost), late receipts: the attempts in",
    "  GET /v1/messages/:id. Receipt latency: an attempt's started_at → ended_at (queueing at the bind, the",
    "  submit and the carrier's receipt), for attempts that ended with a receipt.",
  ].join("\n");
}

function statesSection(summary: Summary): string {
  const others = Object.keys(summary.states).filter((s) => !FINAL_STATE_ROWS.includes(s));
  const rows = [...FINAL_STATE_ROWS, ...others].map((state) => {
    const count = summary.states[state] ?? 0;
    const share = summary.accepted > 0 ? `${((100 * count) / summary.accepted).toFixed(1)} %` : "-";
    return [state, count, share];
  });
  const total = Object.values(summary.states).reduce((a, b) => a + b, 0);
  rows.push(["total", total, total === summary.accepted ? "100.0 %" : `of ${summary.accepted} accepted`]);
  const reasons = summary.reasons.map((r) => [r.state, r.reason, r.count]);
  return [
    `Final states of the ${summary.accepted} accepted messages (GET /v1/messages/:id)`,
    indent(renderTable(["state", "messages", "share"], rows)),
    "",
    indent(renderTable(["state", "final_reason", "messages"], reasons)),
  ].join("\n");
}

function reroutesSection(summary: Summary): string {
  const r = summary.reroutes;
  const lines = [
    `Reroutes: ${r.messages} messages had more than one SMS attempt; ${r.delivered} of them were delivered in the end`,
  ];
  if (r.steps.length > 0) {
    lines.push(
      indent(
        renderTable(
          ["from", "to", "why the earlier attempt ended", "messages"],
          r.steps.map((s) => [s.from, s.to, s.why, s.count]),
        ),
      ),
    );
  }
  return lines.join("\n");
}

function webhooksSection(summary: Summary): string {
  const w = summary.webhooks;
  return [
    "Webhooks",
    indent(
      renderTable(
        [
          "received",
          "unique finals",
          "duplicates",
          "bad signatures",
          "malformed",
          "missing",
          "differ from GET",
        ],
        [[w.requests, w.unique, w.duplicates, w.badSignatures, w.malformed, w.missing, w.stateMismatch]],
      ),
    ),
    `  ${percentLine("End-to-end latency, delivered (POST sent → webhook received)", summary.endToEndMs.delivered)}`,
    `  ${percentLine("End-to-end latency, every final state", summary.endToEndMs.all)}`,
  ].join("\n");
}

/** The normal traffic's refused OTPs (none when the run went well); the attack's are in the anti-abuse section. */
function refusedSection(summary: Summary): string | undefined {
  if (summary.refused.length === 0) return undefined;
  const byCode = new Map<string, number>();
  for (const r of summary.refused) {
    const key = `${r.status} ${r.code} ${r.message}`.trim();
    byCode.set(key, (byCode.get(key) ?? 0) + 1);
  }
  return [
    "Refused at submit (normal traffic)",
    indent(
      renderTable(
        ["answer", "OTPs"],
        [...byCode].map(([answer, count]) => [answer, count]),
      ),
    ),
  ].join("\n");
}

/** The pumping guard's checks, as passed (none when the run could not show the guard). */
function guardChecks(summary: Summary): string[] {
  const plan = summary.guard.plan;
  if (!plan.shown)
    return [
      "  pumping guard: no OTP refused by a blocked range (too little traffic before the attack to judge it)",
    ];
  return [
    `  pumping guard: exactly one block, of the walk's range ${plan.rangeText}; every submit of the second wave`,
    "  refused with 422 OTPGW_ERR_HTTP_RANGE_BLOCKED, and no other submit refused by a blocked range",
  ];
}

function checksSection(summary: Summary): string {
  const failures = failedChecks(summary);
  if (failures.length === 0) {
    return [
      "Checks: all passed",
      `  every accepted message reached one final state (${summary.accepted}/${summary.accepted})`,
      "  one webhook per message, every signature valid, each agreeing with GET",
      "  escalation: every WhatsApp / voice attempt started before expires_at − min_remaining_validity_seconds, no",
      "  channel twice for a message, one attempt at a time, only the code sent, one provider send per attempt",
      "  conversions: every report answered 200 and shown as converted_at (no other message has one), otpgw's",
      "  conversion counters agreeing with the reports and the delivered messages",
      "  anti-abuse: every attack submit beyond a limit refused with that limit's answer (429 / 422) and no more let",
      "  through, otpgw's counter agreeing with the refusals, no OTP of the normal traffic refused",
      ...guardChecks(summary),
      ...portedChecks(summary.ported),
    ].join("\n");
  }
  return ["Checks: FAILED", ...failures.map((f) => `  FAIL ${f}`)].join("\n");
}

export function renderSummary(
  summary: Summary,
  escalation: EscalationSetup,
  conversions: ConversionPlan,
  abuse: AbuseSetup,
): string {
  return [
    carriersSection(summary),
    statesSection(summary),
    reroutesSection(summary),
    portedSection(summary.ported),
    escalationSection(summary.escalation, escalation),
    conversionSection(summary.conversions, conversions),
    webhooksSection(summary),
    abuseSection(summary.abuse, abuse),
    guardSection(summary.guard),
    refusedSection(summary),
    checksSection(summary),
  ]
    .filter((s): s is string => s !== undefined)
    .join("\n\n");
}
