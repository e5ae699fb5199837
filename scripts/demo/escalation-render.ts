/** The escalation section of the demo's summary: where messages went after SMS, and how each channel did. */
import { renderTable } from "../lib/table.js";
import type { EscalationFigures } from "./escalation-summary.js";
import { indent, seconds } from "./text-wrap.js";

/** Outcome columns in this order, with their headings; any other outcome is counted under "other". */
const OUTCOME_COLUMNS: [string, string][] = [
  ["delivered", "delivered"],
  ["failed", "failed"],
  ["rejected", "refused"],
  ["timeout", "timed out"],
  ["not_sent", "not sent"],
];

export interface EscalationSetup {
  channels: readonly string[];
  routes: string[];
  without: string;
}

export function escalationSection(figures: EscalationFigures, setup: EscalationSetup): string {
  const lines = [
    `Escalation: ${setup.channels.join(", then ")} once SMS is spent, on routes ${setup.routes.join(", ")}; ` +
      `none on ${setup.without}`,
    `  ${figures.escalatedMessages} messages escalated. The attempt before each channel attempt ended:`,
  ];
  if (figures.steps.length > 0) {
    lines.push(
      indent(
        renderTable(
          ["from", "to", "why the earlier attempt ended", "messages"],
          figures.steps.map((s) => [s.from, s.to, s.why, s.count]),
        ),
      ),
    );
  }
  const known = new Set(OUTCOME_COLUMNS.map(([outcome]) => outcome));
  // Any other outcome ("open": the message ended first, by a late SMS receipt) in one column.
  const other = (outcomes: Record<string, number>) =>
    Object.entries(outcomes).reduce((n, [outcome, count]) => n + (known.has(outcome) ? 0 : count), 0);
  lines.push(
    "",
    indent(
      renderTable(
        [
          "channel",
          "escalated",
          ...OUTCOME_COLUMNS.map(([, heading]) => heading),
          "other",
          "cut by expiry",
          "sends (sim)",
          "statuses (sim)",
          "delivered p50 ms",
        ],
        figures.channels.map((c) => [
          c.channel,
          c.escalated,
          ...OUTCOME_COLUMNS.map(([outcome]) => c.outcomes[outcome] ?? 0),
          other(c.outcomes),
          c.cutByExpiry,
          c.sim.sends,
          c.sim.callbacksSent,
          c.deliveredInMs.count === 0 ? "-" : Math.round(c.deliveredInMs.p50),
        ]),
      ),
    ),
    "  escalated: messages with an attempt on the channel, then how those attempts ended (timed out: no final",
    "  status within the channel's status_timeout_seconds; other: still open when the message ended); cut by",
    "  expiry: attempts whose wait the OTP's expiry cut short. sends and statuses (status callbacks otpgw took):",
    "  the simulators' own counters.",
  );
  const deliveredBy = Object.entries(figures.deliveredBy)
    .sort((a, b) => b[1] - a[1])
    .map(([channel, count]) => `${channel} ${count}`)
    .join(" · ");
  lines.push(`  Delivered messages by channel: ${deliveredBy || "none"}`);
  const first = figures.firstChannelAfterMs;
  if (first.count > 0 && figures.leastValidityLeftMs !== undefined) {
    lines.push(
      `  First channel attempt p50 ${seconds(first.p50)}, p95 ${seconds(first.p95)} after the submit; the latest ` +
        `started with ${seconds(figures.leastValidityLeftMs)} of validity left (never less than ` +
        `${seconds(figures.minRemainingMs)}: no channel after the code has expired)`,
    );
  }
  lines.push(
    `  Expired on an escalating route: ${figures.expiredWithChannelLeft} with a channel never tried (too late to ` +
      `start it), ${figures.expiredAfterEveryChannel} after every channel had been tried`,
  );
  return lines.join("\n");
}
