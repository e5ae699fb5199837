/**
 * otpgw's own count of the submits its anti-abuse limits refused, read from its /metrics:
 * `otpgw_submits_limited_total{account,limit}`, limit `country`, `number` or `range` (docs/http-api.md, "Anti-abuse
 * limits"). A limit that refused nothing has no series yet: 0.
 */
import { parsePromText, sumOf } from "../../src/cli/prom-text.js";
import type { AbuseLimit } from "./traffic-mix.js";

/** What the summary gets: the count per limit, or why it could not be read. */
export type LimitedMetrics = { counts: Record<AbuseLimit, number> } | { error: string };

export const LIMITED_METRIC = "otpgw_submits_limited_total";

/** The account's refusals per limit in a /metrics text. */
export function limitedCounts(metricsText: string, account: string): Record<AbuseLimit, number> {
  const samples = parsePromText(metricsText);
  const count = (limit: AbuseLimit) => sumOf(samples, LIMITED_METRIC, { account, limit });
  return { country: count("country"), number: count("number"), range: count("range") };
}

/** Reads the counter from the daemon's metrics port; never throws. */
export async function readLimitedMetrics(metricsPort: number, account: string): Promise<LimitedMetrics> {
  try {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, {
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) return { error: `GET /metrics answered ${response.status}` };
    return { counts: limitedCounts(await response.text(), account) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
