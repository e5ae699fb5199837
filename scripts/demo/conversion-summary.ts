/**
 * The conversion part of the demo's summary: per carrier (and escalation channel) the messages otpgw says it
 * delivered and the codes it says were used — from its own counters — beside the share of the carrier's receipts
 * that said DELIVRD, so a carrier whose DELIVRD lies stands out. And the checks: every report the platform made was
 * answered 200 and shows as `converted_at`, no other message has one, and otpgw's counters agree with the messages.
 * Pure: rendering is in conversion-render.ts.
 */
import type { MessageView } from "../../src/north/message-view.js";
import type { ConversionCount, ConversionMetrics } from "./conversion-metrics.js";
import type { ConversionReport, PlatformCounts } from "./conversion-platform.js";
import type { SentOtp } from "./load-sender.js";

export interface ConversionInput {
  /** The SMS carriers, in the summary's order. */
  carriers: string[];
  /** The escalation channels, in route order. */
  channels: readonly string[];
  lyingCarrier: string;
  metrics: ConversionMetrics;
  /** Receipts by status per carrier (the attempts in GET /v1/messages/:id). */
  receipts: Map<string, Record<string, number>>;
  accepted: SentOtp[];
  views: Map<string, MessageView>;
  platform: { reports: ConversionReport[]; counts: Map<string, PlatformCounts> };
}

export interface ConversionRow {
  /** A carrier, or a channel ("whatsapp", "voice"). */
  label: string;
  /** DELIVRD receipts ÷ every receipt of the carrier; undefined for a channel or a carrier without receipts. */
  delivrdShare: number | undefined;
  delivered: number;
  converted: number;
  /** converted ÷ delivered; undefined when nothing was delivered. */
  share: number | undefined;
}

export interface ConversionFigures {
  /** Empty when the metrics could not be read. */
  rows: ConversionRow[];
  metricsError: string | undefined;
  lyingCarrier: string;
  /** The other SMS carriers together: what an honest carrier converts. */
  others: { delivered: number; converted: number; share: number | undefined };
  /** What the platform did, over every carrier and channel. */
  platform: PlatformCounts & { reported: number; answered200: number };
  /** Messages whose GET shows converted_at. */
  convertedViews: number;
  failures: string[];
}

function ratio(part: number, whole: number): number | undefined {
  return whole > 0 ? part / whole : undefined;
}

function failure(count: number, what: string, ids: string[]): string {
  const shown = ids.slice(0, 3).join(", ");
  return `${count} ${what} (${shown}${ids.length > 3 ? ", …" : ""})`;
}

function rowsOf(input: ConversionInput, counts: ConversionCount[]): ConversionRow[] {
  const byLabel = new Map<string, { delivered: number; converted: number }>();
  for (const count of counts) {
    const label = count.channel === "sms" ? count.carrier : count.channel;
    const entry = byLabel.get(label) ?? { delivered: 0, converted: 0 };
    entry.delivered += count.expected;
    entry.converted += count.converted;
    byLabel.set(label, entry);
  }
  const order = [...input.carriers, ...input.channels.filter((c) => byLabel.has(c))];
  const labels = [...order, ...[...byLabel.keys()].filter((l) => !order.includes(l)).sort()];
  return labels.map((label): ConversionRow => {
    const { delivered, converted } = byLabel.get(label) ?? { delivered: 0, converted: 0 };
    const receipts = input.receipts.get(label);
    const receiptCount = receipts ? Object.values(receipts).reduce((a, b) => a + b, 0) : 0;
    return {
      label,
      delivrdShare: receipts ? ratio(receipts.DELIVRD ?? 0, receiptCount) : undefined,
      delivered,
      converted,
      share: ratio(converted, delivered),
    };
  });
}

export function summarizeConversions(input: ConversionInput): ConversionFigures {
  const failures: string[] = [];
  const { reports } = input.platform;
  const platform = {
    delivered: 0,
    pumped: 0,
    neverArrived: 0,
    notUsed: 0,
    used: 0,
    reported: 0,
    answered200: 0,
  };
  for (const counts of input.platform.counts.values()) {
    platform.delivered += counts.delivered;
    platform.pumped += counts.pumped;
    platform.neverArrived += counts.neverArrived;
    platform.notUsed += counts.notUsed;
    platform.used += counts.used;
  }
  platform.reported = reports.length;
  const answered = reports.filter((r) => r.status === 200);
  platform.answered200 = answered.length;

  const refused = reports.filter((r) => r.status !== 200);
  if (refused.length > 0) {
    const statuses = [...new Set(refused.map((r) => (r.status === 0 ? "network error" : r.status)))];
    failures.push(
      failure(
        refused.length,
        `conversion reports not answered 200 (${statuses.join(", ")})`,
        refused.map((r) => r.id),
      ),
    );
  }
  const reported = new Set(answered.map((r) => r.id));
  const missing = [...reported].filter((id) => !input.views.get(id)?.converted_at);
  if (missing.length > 0)
    failures.push(failure(missing.length, "reported conversions without converted_at in GET", missing));
  const views = input.accepted
    .map((sent) => input.views.get(sent.id))
    .filter((v): v is MessageView => v !== undefined);
  const convertedViews = views.filter((v) => v.converted_at !== null);
  const unreported = convertedViews.filter((v) => !reported.has(v.id)).map((v) => v.id);
  if (unreported.length > 0)
    failures.push(failure(unreported.length, "messages with converted_at that nobody reported", unreported));

  let rows: ConversionRow[] = [];
  let metricsError: string | undefined;
  if ("error" in input.metrics) {
    metricsError = input.metrics.error;
    failures.push(`otpgw's conversion counters could not be read: ${metricsError}`);
  } else {
    rows = rowsOf(input, input.metrics.counts);
    const counted = rows.reduce((n, r) => n + r.converted, 0);
    if (counted !== reported.size)
      failures.push(`otpgw_conversions_total counts ${counted} conversions, ${reported.size} were reported`);
    const expected = rows.reduce((n, r) => n + r.delivered, 0);
    const delivered = views.filter((v) => v.state === "delivered").length;
    if (expected !== delivered)
      failures.push(
        `otpgw_conversions_expected_total counts ${expected} deliveries, GET shows ${delivered} delivered messages`,
      );
  }
  const honest = rows.filter((r) => r.label !== input.lyingCarrier && input.carriers.includes(r.label));
  const others = {
    delivered: honest.reduce((n, r) => n + r.delivered, 0),
    converted: honest.reduce((n, r) => n + r.converted, 0),
    share: undefined as number | undefined,
  };
  others.share = ratio(others.converted, others.delivered);

  return {
    rows,
    metricsError,
    lyingCarrier: input.lyingCarrier,
    others,
    platform,
    convertedViews: convertedViews.length,
    failures,
  };
}
