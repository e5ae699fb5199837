/**
 * otpgw's own conversion figures, read from its /metrics: `otpgw_conversions_expected_total` (messages delivered for
 * accounts that report conversions) and `otpgw_conversions_total` (codes reported used), by the carrier or channel
 * credited with the delivery. Their ratio per carrier is its conversion share (docs/http-api.md, "Report a
 * conversion").
 */
import { parsePromText } from "../../src/cli/prom-text.js";

export interface ConversionCount {
  carrier: string;
  channel: string;
  /** otpgw_conversions_expected_total: delivered messages of accounts that report conversions. */
  expected: number;
  /** otpgw_conversions_total, whatever the message's state when reported. */
  converted: number;
}

/** What the summary gets: the counts, or why they could not be read. */
export type ConversionMetrics = { counts: ConversionCount[] } | { error: string };

/** The conversion counters of a /metrics text, one entry per carrier and channel. */
export function conversionCounts(metricsText: string): ConversionCount[] {
  const counts = new Map<string, ConversionCount>();
  for (const sample of parsePromText(metricsText)) {
    const field =
      sample.name === "otpgw_conversions_expected_total"
        ? "expected"
        : sample.name === "otpgw_conversions_total"
          ? "converted"
          : undefined;
    if (field === undefined) continue;
    const carrier = sample.labels.get("carrier") ?? "?";
    const channel = sample.labels.get("channel") ?? "?";
    const key = `${carrier}|${channel}`;
    const count = counts.get(key) ?? { carrier, channel, expected: 0, converted: 0 };
    // otpgw_conversions_total has a series per message_state: summed here.
    count[field] += sample.value;
    counts.set(key, count);
  }
  return [...counts.values()];
}

/** Reads the counters from the daemon's metrics port; never throws. */
export async function readConversionMetrics(metricsPort: number): Promise<ConversionMetrics> {
  try {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, {
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) return { error: `GET /metrics answered ${response.status}` };
    return { counts: conversionCounts(await response.text()) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
