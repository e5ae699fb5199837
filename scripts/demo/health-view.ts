/**
 * What routing learned while the demo ran: each carrier's live health factor per route (docs/routing.md, "Live
 * health"), read from the daemon's own metrics. The flaky carrier's factor below 1 is why it got a smaller share of
 * new OTPs than its weight says as the run went on.
 */
import { renderTable } from "../lib/table.js";

const FACTOR = /^otpgw_carrier_health_factor\{(.*)\} (\S+)$/;
const LABEL = /(\w+)="([^"]*)"/g;

/** The health section of the summary, or a line saying why it is missing. */
export async function healthView(metricsPort: number): Promise<string> {
  let text: string;
  try {
    text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  } catch (error) {
    return `Live carrier health: not read (${error instanceof Error ? error.message : String(error)})`;
  }
  const rows: [string, string, string][] = [];
  for (const line of text.split("\n")) {
    const match = FACTOR.exec(line);
    if (!match) continue;
    const labels = new Map<string, string>([...match[1]!.matchAll(LABEL)].map((m) => [m[1]!, m[2]!]));
    rows.push([labels.get("route") ?? "?", labels.get("carrier") ?? "?", Number(match[2]).toFixed(2)]);
  }
  if (rows.length === 0) return "Live carrier health: no readings (health is off on every route)";
  rows.sort((a, b) => a[0].localeCompare(b[0]) || a[1].localeCompare(b[1]));
  return (
    "Live carrier health at the end (weight multiplier per route; 1 = no change, lower = fewer new OTPs)\n" +
    renderTable(["route", "carrier", "factor"], rows)
      .split("\n")
      .map((l) => `  ${l}`)
      .join("\n")
  );
}
